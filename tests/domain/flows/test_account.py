"""services/flows/account.py called directly: a password change (step-up, common passwords
refused, every earlier token ended, a notice), deleting an account, and both logouts."""

from __future__ import annotations

import pytest

from mfa_api.errors import InvalidInput, Unauthorized
from mfa_api.security import tokens
from mfa_api.services import audit, notifications, sessions
from mfa_api.services.flows import account
from mfa_api.store import attempts, backup_codes, users
from mfa_api.store import devices as device_rows
from mfa_api.store.attempts import PASSWORD as PASSWORD_SCOPE
from tests.helpers import PASSWORD

NEW = "a-brand-new-password"


def _claims(token, world):
    ctx = world.ctx()
    return tokens.decode_token(token, key=ctx.settings.jwt_key, kind=tokens.ACCESS, now=ctx.now)


def test_a_password_change_needs_the_password_and_with_2fa_on_a_code(world):
    ada = world.person()
    with pytest.raises(Unauthorized, match="2FA code required"):
        account.change_password(world.user(ada), PASSWORD, NEW, None, world.ctx())
    with pytest.raises(Unauthorized, match="Invalid password"):
        account.change_password(world.user(ada), "not-the-password", NEW, "123456", world.ctx())
    with pytest.raises(Unauthorized, match="Invalid code"):
        account.change_password(world.user(ada), PASSWORD, NEW, "12345678", world.ctx())
    still = world.user(ada)
    assert world.ctx().settings.password_check.verify(PASSWORD, still.password_hash)
    assert still.token_version == 0


@pytest.mark.parametrize("common", ["qwertyuiop", "Passw0rd!", "Summer2024!", "Welcome1!"])
def test_a_new_password_may_not_be_a_common_one(world, common):
    ada = world.person()
    with pytest.raises(InvalidInput) as refused:
        account.change_password(world.user(ada), PASSWORD, common, world.code(ada), world.ctx())
    assert refused.value.errors == {"new_password": [refused.value.message]}
    assert attempts.find(PASSWORD_SCOPE, ada.email) is None  # refused before the password check


def test_a_password_change_ends_every_earlier_token_and_says_so(world):
    ada = world.person()
    earlier = sessions.access_token(world.user(ada), world.ctx())
    fresh = account.change_password(world.user(ada), PASSWORD, NEW, world.code(ada), world.ctx())
    assert not world.holds(earlier)
    assert world.holds(fresh.token)
    assert fresh.expires_in == world.ctx().settings.jwt_ttl_seconds
    check = world.ctx().settings.password_check
    assert check.verify(NEW, world.user(ada).password_hash)
    assert not check.verify(PASSWORD, world.user(ada).password_hash)
    assert world.events(ada.id)[-3:] == [
        (audit.SECOND_FACTOR_SUCCEEDED, {"during": "step_up", "factor": "totp"}),
        (audit.PASSWORD_CHANGED, None),
        (audit.TOKENS_REVOKED, {"reason": "password_changed"}),
    ]
    [notice] = world.mails_to(ada.email)
    assert notice.text.startswith(notifications.PASSWORD_CHANGED)


def test_without_2fa_a_password_change_needs_only_the_password(world):
    ada = world.person()
    users.disable_twofa(ada.id)
    account.change_password(world.user(ada), PASSWORD, NEW, None, world.ctx())
    assert world.ctx().settings.password_check.verify(NEW, world.user(ada).password_hash)


def test_deleting_an_account_removes_its_rows_and_trail_but_records_the_deletion(world):
    ada, bob = world.person(), world.person("bob@example.com", "250788000002")
    world.backup_codes(ada)
    world.backup_codes(bob)
    world.remember_device(ada)
    with pytest.raises(Unauthorized, match="2FA code required"):
        account.delete_account(world.user(ada), PASSWORD, None, world.ctx())
    with pytest.raises(Unauthorized, match="Invalid password"):
        account.delete_account(world.user(ada), "not-the-password", None, world.ctx())
    assert attempts.for_subject(ada.email)  # the wrong password was counted

    account.delete_account(world.user(ada), PASSWORD, world.code(ada), world.ctx())
    assert users.find_by_id(ada.id) is None
    assert backup_codes.count_unused(ada.id) == 0
    assert attempts.for_subject(ada.email) == []
    assert world.events(ada.id) == []
    assert world.events(None) == [(audit.ACCOUNT_DELETED, {"user_id": ada.id, "by": "user"})]
    assert world.user(bob).email == "bob@example.com"
    assert backup_codes.count_unused(bob.id) == 10


def test_logout_ends_the_presented_token_only(world):
    ada = world.person()
    first = sessions.access_token(world.user(ada), world.ctx())
    second = sessions.access_token(world.user(ada), world.ctx())
    account.logout(_claims(first, world), world.user(ada), world.ctx())
    assert not world.holds(first)
    assert world.holds(second)
    assert world.events(ada.id) == [(audit.TOKENS_REVOKED, {"reason": "logout"})]


def test_logout_everywhere_ends_every_token_and_forgets_every_device(world):
    ada = world.person()
    token = sessions.access_token(world.user(ada), world.ctx())
    world.remember_device(ada)
    account.logout_everywhere(world.user(ada), world.ctx())
    assert not world.holds(token)
    assert device_rows.of_user(ada.id, world.user(ada).token_version, world.now) == []
    assert device_rows.of_user(ada.id, 0, world.now) == []  # forgotten, not just outdated
    assert world.events(ada.id)[-1] == (audit.TOKENS_REVOKED, {"reason": "logout_everywhere"})
