"""Registration: a pending sign-up with an emailed code and a TOTP secret, then its verification.

An email may have several pending sign-ups, one per client that started one: a sign-up from
elsewhere (someone who knows only the email) can neither replace nor kill the owner's.
"""

from __future__ import annotations

from ...db import IntegrityError, atomically
from ...errors import Conflict, InvalidInput, NotFound, TooManyAttempts, Unauthorized
from ...security import addresses, otp
from ...store import pending, users
from ...store.pending import PendingUser
from .. import audit
from ..context import Context
from ..defence import counters, guarded
from ..defence.guarded import Unevaluated, Wrong
from ..factors import codes, totp
from ..notifications import send_code
from .login import refuse_common_password

EXPIRED_KEPT_SECONDS = 86400  # an expired sign-up kept this long before `flask sweep` drops it
_NO_SECRET = otp.new_totp_secret()  # checked when no sign-up is targeted, for equal time


def register(
    *,
    names: str,
    email: str,
    phone: str,
    password: str,
    ctx: Context,
) -> totp.Provisioning:
    """Start (or start over) this client's registration and email its code; what the
    authenticator needs.

    The mail goes out before anything is written: if it fails, the earlier pending
    registration (if any) is untouched and a retry simply succeeds.
    """
    refuse_special_use(email, ctx)
    refuse_common_password(password, "password", ctx)
    if users.email_or_phone_taken(email, phone):
        raise Conflict("User already exists")
    counters.ensure_signups_open(ctx, email)
    secret = otp.new_totp_secret()
    code = codes.issue_code(ctx)
    password_hash = ctx.settings.hasher.hash(password)
    provisioning = totp.provision(secret, email, ctx.settings)  # before the mail: it may fail
    send_code(ctx.mailer, email, code.code, ctx.settings.otp_ttl_seconds)
    sealed = totp.seal(ctx.settings, secret)
    try:
        atomically(
            lambda: pending.replace(
                names=names,
                email=email,
                phone=phone,
                password_hash=password_hash,
                otp_hash=code.code_hash,
                totp_secret=sealed,
                otp_expires_at=code.expires_at,
                client=ctx.client.key,
            )
        )
    except IntegrityError as exc:  # the same client's registration raced this one
        raise Conflict("A registration for this email is in progress") from exc
    return provisioning


def refuse_special_use(email: str, ctx: Context) -> None:
    """400 for a new address at a special-use or reserved name, while REJECT_SPECIAL_USE_DOMAINS
    is on (off by default: mfa-php took corp.local and example.test addresses)."""
    if ctx.settings.reject_special_use_domains and addresses.special_use(email):
        message = f"Not a valid email address: {addresses.SPECIAL_USE}"
        raise InvalidInput(message, errors={"email": [message]})


def is_pending(email: str) -> bool:
    """True when a sign-up for this email waits for its codes (and no account has it yet)."""
    return pending.exists(email) and users.find_by_email(email) is None


def verify_registration(
    *, email: str, email_code: str, totp_code: str | None, ctx: Context
) -> None:
    """Check both codes and move the sign-up they belong to into `users`, in one transaction."""
    signups = pending.for_email(email)
    if not signups:
        raise NotFound("Pending registration not found")
    if users.find_by_email(email) is not None:  # left behind by a race with the owner's verify
        pending.delete_for_email(email)
        raise Conflict("User already exists")
    target = _targeted(ctx, signups, email_code)
    refused = [codes.refusal(ctx, s, pending.REGISTER) for s in ([target] if target else signups)]
    if all(refused):  # the targeted sign-up's code, or every one of them, cannot be used
        raise refused[-1]
    if totp_code is None:
        raise InvalidInput(codes.CODES_REQUIRED)
    own_code = target is not None and codes.holder_asked(ctx, target)

    def reserve() -> counters.Attempt:
        attempt = counters.signup_attempt(ctx, email, holder=own_code)
        max_tries = ctx.settings.max_failed_attempts
        if own_code and not pending.reserve_code_try(target.id, target.otp_hash, max_tries):
            counters.release(attempt)
            raise TooManyAttempts(counters.CODE_WORN_OUT)
        return attempt

    def evaluate() -> int | Wrong:
        matched, step = codes.matches(
            ctx,
            target.otp_hash if target else "",
            email_code=email_code,
            totp_secret=_secret_of(target, ctx),
            totp_code=totp_code,
            last_step=None,
        )
        if not matched:
            return Wrong(None, codes.INVALID_CODES)
        try:
            return _create_user(target, step, ctx)
        except Unauthorized as used:  # right codes, but a concurrent request used them first
            raise Unevaluated(used) from None

    user_id = guarded.check(ctx, reserve, evaluate, audit.SECOND_FACTOR_FAILED)
    audit.record(ctx, user_id, audit.REGISTERED)


def _secret_of(signup: PendingUser | None, ctx: Context) -> str:
    if signup is None:
        return _NO_SECRET
    return totp.reveal(ctx.settings, signup.totp_secret, f"waiting_users id {signup.id}")


def _targeted(ctx: Context, signups: list[PendingUser], email_code: str) -> PendingUser | None:
    """The sign-up whose code this is, else the calling client's own (if it has one)."""
    code_hash = codes.hash_code(ctx, email_code)
    for signup in signups:
        if signup.otp_hash and codes.same_code(signup.otp_hash, code_hash):
            return signup
    return next((s for s in signups if codes.holder_asked(ctx, s)), None)


def _create_user(signup: PendingUser, step: int | None, ctx: Context) -> int:
    """Move the sign-up into `users` (the email's other sign-ups go); the new user's id."""
    secret = totp.reseal(ctx.settings, signup.totp_secret, f"waiting_users id {signup.id}")

    def move() -> int:
        if not pending.take(signup.id, signup.otp_hash, now=ctx.now):
            raise Unauthorized(codes.INVALID_CODES)
        user_id = users.create_verified(
            names=signup.names,
            email=signup.email,
            phone=signup.phone,
            password_hash=signup.password_hash,
            totp_secret=secret,
            totp_step=step,
        )
        pending.delete_for_email(signup.email)
        return user_id

    try:
        return atomically(move)
    except IntegrityError as exc:
        raise Conflict("User already exists") from exc
