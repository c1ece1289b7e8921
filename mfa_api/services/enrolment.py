"""Turning 2FA on and off: a pending secret (15 minutes), its confirmation, enable, disable."""

from __future__ import annotations

import json

from ..config import Settings
from ..db import transaction
from ..errors import InvalidInput, Unauthorized
from ..security import otp
from ..store import backup_codes, users
from ..store.ephemeral import ephemeral
from ..store.users import User
from . import notifications, totp
from .login import check_password
from .notifications import Mailer

INVALID_CODE = "Invalid code"


def _key(user_id: int) -> str:
    return f"setup:{user_id}"


def forget_setup(user_id: int) -> None:
    """Drop the user's pending setup, if any."""
    ephemeral().delete(_key(user_id))


def start_setup(user: User, settings: Settings, now: int) -> totp.Provisioning:
    """Make a new pending secret for 15 minutes; the current 2FA is untouched until enable."""
    if user.twofa_enabled:
        raise InvalidInput("2FA already enabled")
    secret = otp.new_totp_secret()
    expires_at = now + settings.setup_ttl_seconds
    record = {"secret": totp.seal(settings, secret), "confirmed": False, "expires_at": expires_at}
    ephemeral().put(_key(user.id), json.dumps(record), expires_at, now)
    return totp.provision(secret, user.email, settings)


def _pending(user: User, now: int) -> dict | None:
    raw = ephemeral().get(_key(user.id), now)
    return None if raw is None else json.loads(raw)


def _step_of(record: dict, code: str, settings: Settings, now: int) -> int | None:
    return otp.matching_totp_step(totp.reveal(settings, record["secret"]), code, now, None)


def verify_code(user: User, code: str, settings: Settings, now: int) -> None:
    """Check a code with an access token: against the pending secret (confirming it), else the
    active one (using its time step up)."""
    record = _pending(user, now)
    if record is not None:
        if _step_of(record, code, settings, now) is None:
            raise Unauthorized(INVALID_CODE)
        record["confirmed"] = True
        ephemeral().put(_key(user.id), json.dumps(record), record["expires_at"], now)
        return
    if not user.twofa_enabled:
        raise InvalidInput("No pending 2FA setup")
    if not totp.use_code(user, code, settings, now):
        raise Unauthorized(INVALID_CODE)


def enable(user: User, code: str | None, settings: Settings, now: int, mailer: Mailer) -> None:
    """Activate the pending secret: with its current code, or after a confirmation by verify."""
    if user.twofa_enabled:
        raise InvalidInput("2FA already enabled")
    record = _pending(user, now)
    if record is None:
        raise InvalidInput("No pending 2FA setup")
    step = None
    if code is not None:
        step = _step_of(record, code, settings, now)
        if step is None:
            raise Unauthorized(INVALID_CODE)
    elif not record["confirmed"]:
        raise Unauthorized(INVALID_CODE)
    if ephemeral().take(_key(user.id), now) is None:
        raise InvalidInput("No pending 2FA setup")  # another request enabled it first
    users.enable_twofa(user.id, record["secret"], step)
    notifications.send_notice(mailer, user.email, notifications.TWOFA_ENABLED)


def disable(
    user: User, password: str, code: str | None, settings: Settings, now: int, mailer: Mailer
) -> None:
    """Turn 2FA off: secret, backup codes and pending setup gone, every earlier token refused."""
    check_password(user, password)
    if code is not None and user.twofa_enabled and not totp.use_code(user, code, settings, now):
        raise Unauthorized(INVALID_CODE)
    with transaction():
        backup_codes.delete_all(user.id)
        users.disable_twofa(user.id)
    forget_setup(user.id)
    notifications.send_notice(mailer, user.email, notifications.TWOFA_DISABLED)
