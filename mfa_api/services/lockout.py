"""Unlocking an account's second factor: by the token mailed with the lock notice, or by an
administrator."""

from __future__ import annotations

from ..errors import InvalidInput
from ..store import users
from . import audit, guard, notifications
from .context import Context

INVALID_TOKEN = "Invalid or already used unlock token"  # noqa: S105 - a message


def unlock_with_token(token: str, ctx: Context) -> None:
    """Unlock the account the token was mailed for; 400 when it is wrong or used."""
    email = guard.unlock_with_token(ctx, token)
    if email is None:
        raise InvalidInput(INVALID_TOKEN)
    _unlocked(email, ctx, by="token")


def unlock_by_admin(email: str, ctx: Context) -> None:
    """Clear every counter of the account's own, locked or not."""
    guard.unlock(email)
    _unlocked(email, ctx, by="admin")


def _unlocked(email: str, ctx: Context, *, by: str) -> None:
    user = users.find_by_email(email)
    audit.record(ctx, user.id if user else None, audit.UNLOCKED, by=by)
    notifications.send_notice(ctx.mailer, email, notifications.UNLOCKED)
