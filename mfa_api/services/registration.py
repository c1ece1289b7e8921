"""Registration: a pending sign-up with an emailed code and a TOTP secret, then its verification."""

from __future__ import annotations

from ..db import IntegrityError, transaction
from ..errors import Conflict, NotFound, Unauthorized
from ..security import otp, passwords
from ..store import pending, users
from . import audit, codes, guard, totp
from .context import Context
from .notifications import send_code


def register(
    *,
    names: str,
    email: str,
    phone: str,
    password: str,
    ctx: Context,
) -> totp.Provisioning:
    """Start (or start over) a registration and email its code; what the authenticator needs.

    The mail goes out before anything is written: if it fails, the earlier pending
    registration (if any) is untouched and a retry simply succeeds.
    """
    if users.email_or_phone_taken(email, phone):
        raise Conflict("User already exists")
    secret = otp.new_totp_secret()
    code = codes.issue_code(ctx)
    password_hash = passwords.hash_password(password, ctx.settings.bcrypt_rounds)
    send_code(ctx.mailer, email, code.code, ctx.settings.otp_ttl_seconds)
    try:
        with transaction():
            pending.replace(
                names=names,
                email=email,
                phone=phone,
                password_hash=password_hash,
                otp_hash=code.code_hash,
                totp_secret=totp.seal(ctx.settings, secret),
                otp_expires_at=code.expires_at,
                client=ctx.client.ip,
            )
    except IntegrityError as exc:  # a registration for the same email raced this one
        raise Conflict("A registration for this email is in progress") from exc
    return totp.provision(secret, email, ctx.settings)


def verify_registration(*, email: str, email_otp: str, auth_code: str | None, ctx: Context) -> None:
    """Check both codes and move the pending registration to `users`, in one transaction."""
    waiting = pending.find_by_email(email)
    if waiting is None:
        raise NotFound("Pending registration not found")
    max_tries = ctx.settings.max_failed_attempts
    checked = codes.check_with_totp(
        ctx,
        waiting,
        email=waiting.email,
        purpose=pending.REGISTER,
        email_otp=email_otp,
        totp_secret=totp.reveal(ctx.settings, waiting.totp_secret),
        auth_code=auth_code,
        last_step=None,
        reserve_try=lambda: pending.reserve_code_try(waiting.id, waiting.otp_hash, max_tries),
        reload=lambda: pending.find_by_email(email),
    )
    if not checked.matched:
        guard.failed(ctx, checked.attempt, None, audit.SECOND_FACTOR_FAILED)
        raise Unauthorized(codes.INVALID_CODES)
    try:
        with transaction():
            if not pending.take(waiting.id, waiting.otp_hash, now=ctx.now):
                raise Unauthorized(codes.INVALID_CODES)  # another request used the code first
            user_id = users.create_verified(
                names=waiting.names,
                email=waiting.email,
                phone=waiting.phone,
                password_hash=waiting.password_hash,
                totp_secret=waiting.totp_secret,
                totp_step=checked.step,
            )
    except IntegrityError as exc:
        raise Conflict("User already exists") from exc
    guard.succeeded(checked.attempt)
    audit.record(ctx, user_id, audit.REGISTERED)
