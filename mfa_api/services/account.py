"""Sensitive account actions, each behind the password and (with 2FA on) a current TOTP."""

from __future__ import annotations

from ..db import transaction
from ..errors import Unauthorized
from ..security import passwords
from ..store import users
from ..store.users import User
from . import enrolment, notifications, sessions, totp
from .context import Context
from .login import check_password


def step_up(user: User, password: str, code: str | None, ctx: Context) -> None:
    """Require the password and, when 2FA is on, a current (unused) TOTP code."""
    check_password(user, password)
    if user.twofa_enabled:
        if code is None:
            raise Unauthorized("2FA code required")
        if not totp.use_code(user, code, ctx):
            raise Unauthorized("Invalid code")


def change_password(user: User, current: str, new: str, code: str | None, ctx: Context) -> dict:
    """Set a new password; every earlier token stops working; a fresh access token."""
    step_up(user, current, code, ctx)
    users.change_password(user.id, passwords.hash_password(new, ctx.settings.bcrypt_rounds))
    notifications.send_notice(ctx.mailer, user.email, notifications.PASSWORD_CHANGED)
    fresh = users.find_by_id(user.id)
    return {"success": True, "message": "Password changed", **sessions.access_body(fresh, ctx)}


def delete_account(user: User, password: str, code: str | None, ctx: Context) -> None:
    """Delete the user and everything of theirs."""
    step_up(user, password, code, ctx)
    with transaction():
        users.delete(user.id)
    enrolment.forget_setup(user.id)
