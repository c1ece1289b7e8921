"""services/flows/enrolment.py called directly: a pending setup, its confirmation, turning 2FA
on and off, and new backup codes; each change ends every earlier token and says so."""

from __future__ import annotations

import re

import pytest

from mfa_api.db import get_db
from mfa_api.errors import InvalidInput, Unauthorized
from mfa_api.security import crypto, otp
from mfa_api.services import audit, notifications, sessions
from mfa_api.services.flows import enrolment
from mfa_api.store import backup_codes, users
from mfa_api.store.ephemeral import RedisEphemeral, ephemeral
from tests.helpers import PASSWORD

CODE_SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


def _wrong(secret: str, now: int) -> str:
    near = {otp.totp_code(secret, now + 30 * ahead) for ahead in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in near)


@pytest.fixture
def off(world):
    """A person whose 2FA is off."""
    person = world.person()
    users.disable_twofa_and_codes(person.id)
    return person


def test_a_setup_is_pending_until_enabled(world, off):
    started = enrolment.start_setup(world.user(off), world.ctx())
    assert started.otpauth_uri.startswith("otpauth://totp/MFA%20API:ada%40example.com?")
    assert f"secret={started.secret}" in started.otpauth_uri
    assert started.qr_png_data_uri.startswith("data:image/png;base64,")
    assert (world.user(off).twofa_enabled, world.user(off).totp_secret) == (False, "")
    with pytest.raises(InvalidInput, match="2FA already enabled"):
        enrolment.start_setup(world.user(world.person("bob@example.com", "2507")), world.ctx())


def test_enable_needs_the_password_and_the_pending_secrets_code(world, off):
    secret = enrolment.start_setup(world.user(off), world.ctx()).secret
    code = otp.totp_code(secret, world.now)
    with pytest.raises(Unauthorized, match="Invalid password"):
        enrolment.enable(world.user(off), "not-the-password", code, world.ctx())
    with pytest.raises(Unauthorized, match="Invalid code"):
        enrolment.enable(world.user(off), PASSWORD, _wrong(secret, world.now), world.ctx())
    with pytest.raises(Unauthorized, match="Invalid code"):
        enrolment.enable(world.user(off), PASSWORD, None, world.ctx())  # not confirmed either
    assert not world.user(off).twofa_enabled

    earlier = sessions.access_token(world.user(off), world.ctx())
    fresh = enrolment.enable(world.user(off), PASSWORD, code, world.ctx())
    user = world.user(off)
    assert user.twofa_enabled
    assert user.totp_secret.startswith(crypto.ENCRYPTED_PREFIX)  # sealed, not the secret
    assert user.totp_last_step == world.now // otp.TOTP_PERIOD  # the step that proved it, used
    assert not world.holds(earlier) and world.holds(fresh.token)
    assert world.events(off.id)[-2:] == [
        (audit.TWOFA_ENABLED, None),
        (audit.TOKENS_REVOKED, {"reason": "twofa_enabled"}),
    ]
    assert world.mails_to(off.email)[-1].text.startswith(notifications.TWOFA_ENABLED)
    with pytest.raises(Unauthorized, match="already used"):
        enrolment.verify_code(user, code, world.ctx())  # its step answers nothing later
    with pytest.raises(InvalidInput, match="2FA already enabled"):
        enrolment.enable(user, PASSWORD, code, world.ctx())


def test_verify_confirms_a_setup_once_and_enable_then_needs_no_code(world, off):
    secret = enrolment.start_setup(world.user(off), world.ctx()).secret
    code = otp.totp_code(secret, world.now)
    enrolment.verify_code(world.user(off), code, world.ctx())
    with pytest.raises(Unauthorized, match="already used"):
        enrolment.verify_code(world.user(off), code, world.ctx())
    enrolment.enable(world.user(off), PASSWORD, None, world.ctx())
    assert world.user(off).totp_last_step == world.now // otp.TOTP_PERIOD
    with pytest.raises(Unauthorized, match="already used"):
        enrolment.verify_code(world.user(off), code, world.ctx())


def test_a_pending_setup_expires(store_world):
    world = store_world
    off = world.person()
    users.disable_twofa_and_codes(off.id)
    secret = enrolment.start_setup(world.user(off), world.ctx()).secret
    ttl = world.ctx().settings.setup_ttl_seconds
    store = ephemeral()
    if isinstance(store, RedisEphemeral):  # expired by Redis's own clock, which no test moves
        assert ttl - 2 <= store.client.ttl(f"{store.prefix}setup:{off.id}") <= ttl
        return
    world.later(ttl + 1)
    code = otp.totp_code(secret, world.now)
    with pytest.raises(InvalidInput, match=enrolment.NO_SETUP):
        enrolment.enable(world.user(off), PASSWORD, code, world.ctx())
    with pytest.raises(InvalidInput, match=enrolment.NO_SETUP):
        enrolment.verify_code(world.user(off), code, world.ctx())


def test_verify_with_2fa_on_checks_the_active_secret_once(world):
    ada = world.person()
    code = world.code(ada)
    with pytest.raises(Unauthorized, match="Invalid code"):
        enrolment.verify_code(world.user(ada), _wrong(ada.secret, world.now), world.ctx())
    enrolment.verify_code(world.user(ada), code, world.ctx())
    with pytest.raises(Unauthorized, match="already used"):
        enrolment.verify_code(world.user(ada), code, world.ctx())
    assert (audit.SECOND_FACTOR_SUCCEEDED, {"during": "check", "factor": "totp"}) in world.events(
        ada.id
    )


def test_disable_needs_step_up_and_drops_the_secret_the_codes_and_every_token(world):
    ada = world.person()
    codes = world.backup_codes(ada)
    earlier = sessions.access_token(world.user(ada), world.ctx())
    with pytest.raises(Unauthorized, match="2FA code required"):
        enrolment.disable(world.user(ada), PASSWORD, None, world.ctx())
    with pytest.raises(Unauthorized, match="Invalid password"):
        enrolment.disable(world.user(ada), "not-the-password", codes[0], world.ctx())
    fresh = enrolment.disable(world.user(ada), PASSWORD, codes[0], world.ctx())
    user = world.user(ada)
    assert (user.twofa_enabled, user.totp_secret, user.totp_last_step) == (False, "", None)
    assert backup_codes.count_unused(ada.id) == 0
    assert not world.holds(earlier) and world.holds(fresh.token)
    assert world.events(ada.id)[-2:] == [
        (audit.TWOFA_DISABLED, {"by": "user"}),
        (audit.TOKENS_REVOKED, {"reason": "twofa_disabled"}),
    ]
    assert world.mails_to(ada.email)[-1].text.startswith(notifications.TWOFA_DISABLED)


def test_disable_drops_a_pending_setup(world, off):
    enrolment.start_setup(world.user(off), world.ctx())
    enrolment.disable(world.user(off), PASSWORD, None, world.ctx())
    with pytest.raises(InvalidInput, match=enrolment.NO_SETUP):
        enrolment.enable(world.user(off), PASSWORD, "123456", world.ctx())


def test_new_backup_codes_need_2fa_on_and_step_up(world, off):
    with pytest.raises(InvalidInput, match="2FA is not enabled"):
        enrolment.regenerate_backup_codes(world.user(off), PASSWORD, None, world.ctx())
    ada = world.person("bob@example.com", "250788000002")
    with pytest.raises(Unauthorized, match="2FA code required"):
        enrolment.regenerate_backup_codes(world.user(ada), PASSWORD, None, world.ctx())
    with pytest.raises(Unauthorized, match="Invalid password"):
        enrolment.regenerate_backup_codes(world.user(ada), "nope-nope", "123456", world.ctx())
    assert backup_codes.count_unused(ada.id) == 0


def test_new_backup_codes_are_shown_once_stored_hashed_and_end_the_old_set(world):
    ada = world.person()
    old = enrolment.regenerate_backup_codes(world.user(ada), PASSWORD, world.code(ada), world.ctx())
    new = enrolment.regenerate_backup_codes(world.user(ada), PASSWORD, old.codes[0], world.ctx())
    assert len(new.codes) == len(set(new.codes)) == 10
    assert all(CODE_SHAPE.fullmatch(code) for code in new.codes)
    assert not set(old.codes) & set(new.codes)
    assert not world.holds(old.access.token) and world.holds(new.access.token)
    rows = get_db().fetch_all("SELECT * FROM backup_codes", ())
    assert set(rows[0]) == {"id", "user_id", "code_hash", "created_at", "used_at"}  # no copy
    assert len(rows) == 10
    for code in new.codes:
        assert code not in str(rows) and code.replace("-", "") not in str(rows)
    assert world.events(ada.id)[-2:] == [
        (audit.BACKUP_CODES_GENERATED, {"count": 10}),
        (audit.TOKENS_REVOKED, {"reason": "backup_codes_generated"}),
    ]
    assert world.mails_to(ada.email)[-1].text.startswith(notifications.BACKUP_CODES_CREATED)
    assert (audit.BACKUP_CODE_USED, {"remaining": 9}) in world.events(ada.id)
    with pytest.raises(Unauthorized, match="Invalid code"):  # the old set is gone
        enrolment.regenerate_backup_codes(world.user(ada), PASSWORD, old.codes[1], world.ctx())
