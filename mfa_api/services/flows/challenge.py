"""The 2FA face's login: the password, then a challenge answered by TOTP, a code resent for that
challenge (email or SMS), or a backup code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...db import atomically
from ...errors import InvalidInput, Unauthorized
from ...security import tokens
from ...store import challenges, users
from ...store.users import User
from .. import audit, notifications, sessions
from ..context import Context
from ..defence import counters, guarded, lockout
from ..defence.guarded import Unevaluated, Wrong
from ..factors import backup, choice, codes, devices, passkeys
from ..factors.devices import DeviceGrant
from ..factors.factor import Outcome
from ..sessions import AccessGrant
from .login import authenticate

CHALLENGE_DEAD = "Challenge expired or used; log in again"
NO_VERIFIED_PHONE = "No verified phone number on this account"


@dataclass(frozen=True)
class LoginOutcome:
    """Either an access token (2FA off) or a challenge token for the second step."""

    access: AccessGrant | None
    challenge_token: str | None


@dataclass(frozen=True)
class Passed:
    """Access after the second step, and the client's device token when it asked for one."""

    access: AccessGrant
    device: DeviceGrant | None


@dataclass(frozen=True)
class Recovered(Passed):
    """Access after a backup code, and how many codes remain."""

    remaining: int
    warning: str | None  # when few codes remain


def login(email: str, password: str, ctx: Context, device_token: str | None = None) -> LoginOutcome:
    """Check the password; a challenge token when 2FA is on, else (or from a device the user
    remembered) an access token."""
    user = authenticate(email, password, ctx)
    if not user.twofa_enabled:
        audit.record(ctx, user.id, audit.LOGIN_SUCCEEDED, factor="password")
        return LoginOutcome(sessions.grant_access(user, ctx), None)
    lockout.ensure_not_locked(ctx, user.email)
    remembered = devices.REMEMBERED.use(user, device_token, ctx, challenge=None)
    if remembered.accepted:
        audit.record(ctx, user.id, audit.LOGIN_SUCCEEDED, factor=remembered.factor)
        access = sessions.grant_access(user, ctx, amr=tokens.REMEMBERED_DEVICE)
        return LoginOutcome(access, None)
    token, claims = sessions.challenge_token(user, ctx)
    # The row lives as long as the token is taken: its expiry and the leeway for hosts' clocks.
    challenges.create(claims["jti"], user.id, claims["exp"] + ctx.settings.jwt_leeway_seconds)
    return LoginOutcome(None, token)


def _open_challenge(claims: dict, ctx: Context) -> None:
    found = challenges.find(claims["jti"])
    if (
        found is None
        or found.used_at is not None
        or found.expires_at < ctx.now
        or found.failures >= ctx.settings.max_failed_attempts
    ):
        raise Unauthorized(CHALLENGE_DEAD)


def _begin_try(user: User, claims: dict, ctx: Context) -> counters.Attempt:
    """Reserve a try on the account and on the challenge before any code is checked."""
    _open_challenge(claims, ctx)
    attempt = counters.second_factor_attempt(ctx, user.email)
    max_tries = ctx.settings.max_failed_attempts
    if not challenges.reserve_try(claims["jti"], now=ctx.now, max_failures=max_tries):
        counters.release(attempt)
        raise Unauthorized(CHALLENGE_DEAD)
    return attempt


class _ChallengeClosed(Exception):
    """A concurrent answer closed the challenge first (rolls the factor's use back)."""


UseFactor = Callable[[], Outcome]  # uses up a factor's answer: what it came to


def _answer(claims: dict, ctx: Context, use_factor: UseFactor) -> Outcome:
    """Use up the factor and close the challenge together: if a concurrent answer closed it
    first, the factor is not used up."""

    def answer() -> Outcome:
        outcome = use_factor()
        if outcome.accepted and not challenges.use(claims["jti"], now=ctx.now):
            raise _ChallengeClosed()
        return outcome

    return atomically(answer)


def _conclude(user: User, claims: dict, ctx: Context, use_factor: UseFactor) -> str:
    """Check a second step with its try reserved; the factor that answered (the account's
    counters cleared), else 401 (counted) saying why the factor refused it."""

    def evaluate() -> str | Wrong:
        try:
            outcome = _answer(claims, ctx, use_factor)
        except _ChallengeClosed:
            raise Unevaluated(Unauthorized(CHALLENGE_DEAD)) from None
        return outcome.factor or Wrong(user.id, outcome.refusal)

    factor = guarded.check(
        ctx,
        lambda: _begin_try(user, claims, ctx),
        evaluate,
        audit.SECOND_FACTOR_FAILED,
        during="login",
    )
    audit.record(ctx, user.id, audit.LOGIN_SUCCEEDED, factor=factor)
    return factor


def _passed(user: User, ctx: Context, remember: bool) -> Passed:
    device = devices.remember(user, ctx) if remember else None
    return Passed(sessions.grant_access(user, ctx), device)


def verify(user: User, claims: dict, code: str, ctx: Context, remember: bool = False) -> Passed:
    """Answer a challenge with the current TOTP or the code resent for it; an access token (and
    a device token, when asked to remember the client)."""
    among = choice.CHALLENGE_CODES
    _conclude(user, claims, ctx, lambda: choice.use(user, code, ctx, claims["jti"], among))
    return _passed(user, ctx, remember)


def recover(
    user: User, claims: dict, typed: str, ctx: Context, remember: bool = False
) -> Recovered:
    """Answer a challenge with a backup code, which is used up (and remember the client, when
    asked)."""
    _conclude(user, claims, ctx, lambda: backup.RECOVERY_CODE.use(user, typed, ctx, claims["jti"]))
    passed = _passed(user, ctx, remember)
    remaining = backup.announce_use(user, ctx)
    return Recovered(
        passed.access, passed.device, remaining, backup.low_warning(remaining, ctx.links)
    )


def passkey_options(user: User, claims: dict, ctx: Context) -> dict:
    """Request options for answering this challenge with one of the user's passkeys."""
    _open_challenge(claims, ctx)
    lockout.ensure_not_locked(ctx, user.email)
    return passkeys.assertion_options(user, passkeys.ceremony(user, claims["jti"]), ctx)


def verify_passkey(
    user: User, claims: dict, credential: dict, ctx: Context, remember: bool = False
) -> Passed:
    """Answer a challenge with a passkey's assertion of the options asked for it."""
    assertion = passkeys.ASSERTION
    _conclude(user, claims, ctx, lambda: assertion.use(user, credential, ctx, claims["jti"]))
    return _passed(user, ctx, remember)


def _no_verified_phone(ctx: Context) -> str:
    where = ctx.links.add_phone
    return f"{NO_VERIFIED_PHONE} (add one with {where})" if where else NO_VERIFIED_PHONE


def resend(user: User, claims: dict, channel: str, ctx: Context) -> None:
    """Send a new code that answers this challenge only, by email or SMS (to a verified phone);
    it replaces any earlier code."""
    _open_challenge(claims, ctx)
    lockout.ensure_not_locked(ctx, user.email)
    code = codes.issue_code(ctx)
    ttl = ctx.settings.otp_ttl_seconds
    if channel == "sms":
        if ctx.sms is not None and not user.verified_phone:
            raise InvalidInput(_no_verified_phone(ctx))
        notifications.text_code(ctx.sms, user.verified_phone, "verification code", code.code, ttl)
    else:
        notifications.send_code(ctx.mailer, user.email, code.code, ttl)
    purpose = codes.challenge_purpose(claims["jti"])
    users.issue_email_otp(
        user.id, code.code_hash, code.expires_at, purpose=purpose, client=ctx.client.key
    )
