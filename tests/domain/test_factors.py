"""Every second factor's use() called directly (services/factors/): accepted as which factor,
refused with what message, and each answer used once; and choice.py, which offers an answer to
the factors in one declared order."""

from __future__ import annotations

import dataclasses

import pytest

from mfa_api.errors import Unauthorized
from mfa_api.security import otp
from mfa_api.services.context import Context
from mfa_api.services.factors import backup, choice, codes, devices, passkeys, totp
from mfa_api.services.factors.factor import Factor, Outcome, accepted, refused
from mfa_api.services.flows import step_up
from mfa_api.store import events, users
from mfa_api.store import passkeys as passkey_rows
from tests.authenticator import SoftAuthenticator, b64url

EMAIL = "ada@example.com"
JTI = "challenge-jti"


@pytest.fixture
def secret() -> str:
    return otp.new_totp_secret()


@pytest.fixture
def user_id(ctx, secret) -> int:
    """A verified user with 2FA on (its secret sealed, as stored) and no TOTP step used yet."""
    return users.create_verified(
        names="Ada",
        email=EMAIL,
        phone="250788000001",
        password_hash="unused",
        totp_secret=totp.seal(ctx.settings, secret),
        totp_step=None,
    )


def _user(user_id: int):
    return users.find_by_id(user_id)


def _later(ctx: Context, steps: int) -> Context:
    return dataclasses.replace(ctx, now=ctx.now + steps * otp.TOTP_PERIOD)


def _code(secret: str, ctx: Context, steps: int = 0) -> str:
    return otp.totp_code(secret, ctx.now + steps * otp.TOTP_PERIOD)


def _refusal(outcome: Outcome) -> str:
    assert not outcome.accepted and outcome.factor is None
    return outcome.refusal()


def test_every_factor_has_the_one_shape():
    every = (*choice.FACTORS, devices.REMEMBERED, backup.RECOVERY_CODE)
    assert all(isinstance(f, Factor) for f in every)
    assert [f.name for f in every] == [
        "passkey",
        "totp",
        "sent_code",
        "backup_code",
        "remembered_device",
        "backup_code",
    ]


# TOTP


def test_a_current_totp_is_accepted_once(ctx, user_id, secret):
    code = _code(secret, ctx)
    outcome = totp.TOTP.use(_user(user_id), code, ctx, None)
    assert outcome.accepted and outcome.factor == "totp"
    assert _refusal(totp.TOTP.use(_user(user_id), code, ctx, None)) == totp.ALREADY_USED


def test_a_totp_replayed_in_the_same_step_is_refused_even_by_a_stale_read(ctx, user_id, secret):
    stale = _user(user_id)  # read before the first use, as a concurrent request would have
    code = _code(secret, ctx)
    assert totp.TOTP.use(stale, code, ctx, None).accepted
    assert _refusal(totp.TOTP.use(stale, code, ctx, None)) == totp.ALREADY_USED
    assert _refusal(totp.TOTP.use(_user(user_id), code, ctx, None)) == totp.ALREADY_USED


def test_an_earlier_step_is_refused_once_a_later_one_was_used(ctx, user_id, secret):
    assert totp.TOTP.use(_user(user_id), _code(secret, ctx, 1), ctx, None).accepted
    refusal = _refusal(totp.TOTP.use(_user(user_id), _code(secret, ctx), ctx, None))
    assert refusal == totp.ALREADY_USED


def test_a_wrong_totp_is_an_invalid_code(ctx, user_id, secret):
    wrong = f"{(int(_code(secret, ctx)) + 1) % 10**6:06d}"
    if otp.totp_offsets(secret, wrong, ctx.now):  # vanishingly rare: it is a nearby step's
        pytest.skip("the wrong code happens to be a nearby step's")
    assert _refusal(totp.TOTP.use(_user(user_id), wrong, ctx, None)) == "Invalid code"


def test_no_totp_answers_while_2fa_is_off(ctx, user_id, secret):
    users.disable_twofa_and_codes(user_id)
    assert _refusal(totp.TOTP.use(_user(user_id), _code(secret, ctx), ctx, None)) == "Invalid code"


def test_a_near_miss_is_explained_from_the_one_matching_pass(ctx, user_id, secret, monkeypatch):
    passes = []
    real = otp.totp_offsets
    monkeypatch.setattr(otp, "totp_offsets", lambda *a, **k: passes.append(a) or real(*a, **k))

    def second_pass(*args, **kwargs):
        raise AssertionError("a second matching pass")

    monkeypatch.setattr(otp, "matching_totp_step", second_pass)
    behind = totp.TOTP.use(_user(user_id), _code(secret, ctx, -4), ctx, None)
    assert _refusal(behind) == (
        "Invalid code: your device's clock seems to be about 2 minutes behind; "
        "set it to the network time"
    )
    assert len(passes) == 1


def test_a_code_of_a_step_to_come_is_explained_and_spent(ctx, user_id, secret):
    ahead = _code(secret, ctx, 3)
    assert _refusal(totp.TOTP.use(_user(user_id), ahead, ctx, None)) == (
        "Invalid code: your device's clock seems to be about 2 minutes ahead; "
        "set it to the network time"
    )
    # When its step comes, it is no longer accepted: a guesser who hit it must not wait for it.
    then = _later(ctx, 3)
    assert _refusal(totp.TOTP.use(_user(user_id), ahead, then, None)) == totp.ALREADY_USED
    assert totp.TOTP.use(_user(user_id), _code(secret, then, 1), then, None).accepted


def test_a_refusal_is_worked_out_only_when_asked(ctx, user_id, secret):
    ahead = _code(secret, ctx, 3)
    totp.TOTP.use(_user(user_id), ahead, ctx, None)  # refused, its refusal never asked for
    then = _later(ctx, 3)
    assert totp.TOTP.use(_user(user_id), ahead, then, None).accepted  # so nothing was spent


# A code sent for a login's challenge


def _send(ctx: Context, user_id: int, challenge: str = JTI) -> str:
    issued = codes.issue_code(ctx)
    purpose = codes.challenge_purpose(challenge)
    users.issue_email_otp(
        user_id, issued.code_hash, issued.expires_at, purpose=purpose, client=ctx.client.key
    )
    return issued.code


def test_a_sent_code_answers_its_challenge_once(ctx, user_id):
    code = _send(ctx, user_id)
    outcome = codes.SENT_CODE.use(_user(user_id), code, ctx, JTI)
    assert outcome.accepted and outcome.factor == "sent_code"
    assert _refusal(codes.SENT_CODE.use(_user(user_id), code, ctx, JTI)) == "Invalid code"


def test_a_sent_code_answers_no_other_challenge_and_no_step_up(ctx, user_id):
    code = _send(ctx, user_id)
    assert not codes.SENT_CODE.use(_user(user_id), code, ctx, "another-jti").accepted
    assert not codes.SENT_CODE.takes(code, None)
    assert not codes.SENT_CODE.use(_user(user_id), code, ctx, None).accepted
    assert codes.SENT_CODE.use(_user(user_id), code, ctx, JTI).accepted  # still unused


def test_an_expired_sent_code_is_refused(ctx, user_id):
    code = _send(ctx, user_id)
    late = dataclasses.replace(ctx, now=ctx.now + ctx.settings.otp_ttl_seconds + 1)
    assert not codes.SENT_CODE.use(_user(user_id), code, late, JTI).accepted


# Backup codes


def test_a_backup_code_is_consumed(ctx, user_id):
    made = backup.replace_set(_user(user_id), ctx)
    outcome = backup.BACKUP_CODE.use(_user(user_id), made[0], ctx, None)
    assert outcome.accepted and outcome.factor == "backup_code"
    assert backup.remaining(_user(user_id)) == backup.CODES_PER_SET - 1
    again = backup.BACKUP_CODE.use(_user(user_id), made[0], ctx, None)
    assert _refusal(again) == "This backup code was already used"


def test_a_backup_code_is_read_in_any_case_and_without_its_dashes(ctx, user_id):
    made = backup.replace_set(_user(user_id), ctx)
    typed = made[1].replace("-", "").lower()
    assert backup.RECOVERY_CODE.use(_user(user_id), typed, ctx, JTI).accepted


def test_a_wrong_backup_code_is_told_as_the_field_asked(ctx, user_id):
    backup.replace_set(_user(user_id), ctx)
    wrong = otp.new_backup_code()
    assert _refusal(backup.BACKUP_CODE.use(_user(user_id), wrong, ctx, None)) == "Invalid code"
    recovery = backup.RECOVERY_CODE.use(_user(user_id), wrong, ctx, JTI)
    assert _refusal(recovery) == "Invalid backup code"
    assert _refusal(backup.RECOVERY_CODE.use(_user(user_id), "nonsense", ctx, JTI)) == (
        "Invalid backup code"
    )


# Passkeys


def _with_passkey(ctx, user_id: int, counts: bool = True) -> SoftAuthenticator:
    authenticator = SoftAuthenticator(origin=ctx.settings.webauthn_origins[0], counts=counts)
    passkey_rows.add(
        user_id,
        b64url(authenticator.credential_id),
        b64url(authenticator._cose_key()),
        0,
        "Key",
        ctx.now,
    )
    return authenticator


def _answer(ctx, user_id: int, authenticator: SoftAuthenticator, challenge: str | None) -> dict:
    user = _user(user_id)
    options = passkeys.assertion_options(user, passkeys.ceremony(user, challenge), ctx)
    return authenticator.get(options)


def test_a_passkey_answers_its_ceremony_once(ctx, user_id):
    authenticator = _with_passkey(ctx, user_id)
    answer = _answer(ctx, user_id, authenticator, JTI)
    outcome = passkeys.ASSERTION.use(_user(user_id), answer, ctx, JTI)
    assert outcome.accepted and outcome.factor == "passkey"
    replayed = passkeys.ASSERTION.use(_user(user_id), answer, ctx, JTI)
    assert _refusal(replayed) == passkeys.NOT_ACCEPTED  # its challenge was used up


def test_a_passkey_asked_for_a_step_up_answers_no_login(ctx, user_id):
    authenticator = _with_passkey(ctx, user_id)
    answer = _answer(ctx, user_id, authenticator, None)
    assert not passkeys.ASSERTION.use(_user(user_id), answer, ctx, JTI).accepted
    assert passkeys.ceremony(_user(user_id), None) == f"passkey-step-up:{user_id}"
    assert passkeys.ceremony(_user(user_id), JTI) == f"passkey-login:{JTI}"


def test_a_passkey_whose_counter_stands_still_is_suspended(ctx, user_id):
    authenticator = _with_passkey(ctx, user_id)
    copy = authenticator.clone()
    assert passkeys.ASSERTION.use(
        _user(user_id), _answer(ctx, user_id, authenticator, JTI), ctx, JTI
    ).accepted
    cloned = passkeys.ASSERTION.use(_user(user_id), _answer(ctx, user_id, copy, JTI), ctx, JTI)
    assert _refusal(cloned) == passkeys.SUSPENDED


# Remembered devices


def test_a_remembered_device_answers_while_it_lasts(ctx, user_id):
    grant = devices.remember(_user(user_id), ctx)
    for _ in range(2):  # not single use: it answers each login while it lasts
        outcome = devices.REMEMBERED.use(_user(user_id), grant.token, ctx, None)
        assert outcome.accepted and outcome.factor == "remembered_device"
    users.revoke_tokens(user_id)  # logout everywhere, a new password...
    assert not devices.REMEMBERED.use(_user(user_id), grant.token, ctx, None).accepted


def test_an_unknown_or_missing_device_is_refused(ctx, user_id):
    for token in (None, "", "not-a-device"):
        assert not devices.REMEMBERED.use(_user(user_id), token, ctx, None).accepted


# The choice of a factor


def test_an_answer_goes_to_the_factors_of_its_shape(ctx):
    names = [
        [f.name for f in choice.takers(a, c)]
        for a, c in [
            ({"id": "x"}, None),
            ("123456", JTI),
            ("123456", None),
            (otp.new_backup_code(), None),
            ("nonsense", None),
        ]
    ]
    assert names == [["passkey"], ["totp", "sent_code"], ["totp"], ["backup_code"], []]


def test_a_challenge_takes_its_sent_code_when_it_is_no_totp(ctx, user_id, secret):
    code = _send(ctx, user_id)
    outcome = choice.use(_user(user_id), code, ctx, JTI)
    if otp.totp_offsets(secret, code, ctx.now):  # vanishingly rare: it is a TOTP too
        pytest.skip("the sent code happens to be a nearby TOTP")
    assert outcome.factor == "sent_code"


def test_a_wrong_answer_is_refused_as_its_first_taker_refuses_it(ctx, user_id, secret):
    _send(ctx, user_id)
    behind = _code(secret, ctx, -4)
    assert _refusal(choice.use(_user(user_id), behind, ctx, JTI)).startswith(
        "Invalid code: your device's clock seems to be about 2 minutes behind"
    )
    assert _refusal(choice.use(_user(user_id), "nonsense", ctx, None)) == "Invalid code"


class _Pin:
    """A factor of the test's own: a (made-up) hardware token's 8-letter code."""

    name = "pin_token"

    def takes(self, answer, challenge):
        return isinstance(answer, str) and len(answer) == 8 and answer.isalpha()

    def use(self, user, answer, ctx, challenge):
        return accepted(self.name) if answer == "abcdefgh" else refused("Invalid pin")


def test_a_new_factor_needs_only_its_place_in_the_choice(ctx, user_id, monkeypatch):
    monkeypatch.setattr(choice, "FACTORS", (*choice.FACTORS, _Pin()))
    assert isinstance(_Pin(), Factor)
    step_up.second_factor(_user(user_id), "abcdefgh", ctx)  # a step-up takes it unchanged
    with pytest.raises(Unauthorized, match="Invalid pin"):
        step_up.second_factor(_user(user_id), "zyxwvuts", ctx)
    recorded = [(e.event, e.detail) for e in events.recent(user_id, 0, 10)]
    assert ("second_factor_succeeded", {"during": "step_up", "factor": "pin_token"}) in recorded
    assert ("second_factor_failed", {"during": "step_up"}) in recorded
