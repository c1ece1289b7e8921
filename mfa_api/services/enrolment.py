"""Turning 2FA on and off: a pending secret (for the setup's lifetime), its confirmation, enable,
disable."""

from __future__ import annotations

import json

from ..db import transaction
from ..errors import InvalidInput, Unauthorized
from ..security import otp
from ..store import backup_codes, users
from ..store.ephemeral import ephemeral
from ..store.users import User
from . import notifications, totp
from .context import Context
from .login import check_password

INVALID_CODE = "Invalid code"


def _key(user_id: int) -> str:
    return f"setup:{user_id}"


def forget_setup(user_id: int) -> None:
    """Drop the user's pending setup, if any."""
    ephemeral().delete(_key(user_id))


def start_setup(user: User, ctx: Context) -> totp.Provisioning:
    """Make a new pending secret; the current 2FA is untouched until enable."""
    if user.twofa_enabled:
        raise InvalidInput("2FA already enabled")
    secret = otp.new_totp_secret()
    expires_at = ctx.now + ctx.settings.setup_ttl_seconds
    record = {
        "secret": totp.seal(ctx.settings, secret),
        "confirmed": False,
        "expires_at": expires_at,
    }
    ephemeral().put(_key(user.id), json.dumps(record), expires_at, ctx.now)
    return totp.provision(secret, user.email, ctx.settings)


def _pending(user: User, ctx: Context) -> dict | None:
    raw = ephemeral().get(_key(user.id), ctx.now)
    return None if raw is None else json.loads(raw)


def _step_of(record: dict, code: str, ctx: Context) -> int | None:
    return otp.matching_totp_step(totp.reveal(ctx.settings, record["secret"]), code, ctx.now, None)


def verify_code(user: User, code: str, ctx: Context) -> None:
    """Check a code with an access token: against the pending secret (confirming it), else the
    active one (using its time step up)."""
    record = _pending(user, ctx)
    if record is not None:
        if _step_of(record, code, ctx) is None:
            raise Unauthorized(INVALID_CODE)
        record["confirmed"] = True
        ephemeral().put(_key(user.id), json.dumps(record), record["expires_at"], ctx.now)
        return
    if not user.twofa_enabled:
        raise InvalidInput("No pending 2FA setup")
    if not totp.use_code(user, code, ctx):
        raise Unauthorized(INVALID_CODE)


def enable(user: User, code: str | None, ctx: Context) -> None:
    """Activate the pending secret: with its current code, or after a confirmation by verify."""
    if user.twofa_enabled:
        raise InvalidInput("2FA already enabled")
    record = _pending(user, ctx)
    if record is None:
        raise InvalidInput("No pending 2FA setup")
    step = None
    if code is not None:
        step = _step_of(record, code, ctx)
        if step is None:
            raise Unauthorized(INVALID_CODE)
    elif not record["confirmed"]:
        raise Unauthorized(INVALID_CODE)
    if ephemeral().take(_key(user.id), ctx.now) is None:
        raise InvalidInput("No pending 2FA setup")  # another request enabled it first
    users.enable_twofa(user.id, record["secret"], step)
    notifications.send_notice(ctx.mailer, user.email, notifications.TWOFA_ENABLED)


def disable(user: User, password: str, code: str | None, ctx: Context) -> None:
    """Turn 2FA off: secret, backup codes and pending setup gone, every earlier token refused."""
    check_password(user, password)
    if code is not None and user.twofa_enabled and not totp.use_code(user, code, ctx):
        raise Unauthorized(INVALID_CODE)
    with transaction():
        backup_codes.delete_all(user.id)
        users.disable_twofa(user.id)
    forget_setup(user.id)
    notifications.send_notice(ctx.mailer, user.email, notifications.TWOFA_DISABLED)
