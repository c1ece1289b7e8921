"""Sensitive account actions, each behind step-up: the password and (with 2FA on) a second
factor."""

from __future__ import annotations

from ...db import atomically
from ...store import attempts, users
from ...store.users import User
from .. import audit, notifications, sessions
from ..context import Context
from ..factors import devices
from ..sessions import AccessGrant
from . import enrolment, step_up
from .login import refuse_common_password


def change_password(
    user: User, current: str, new: str, code: str | None, ctx: Context
) -> AccessGrant:
    """Set a new password; every earlier token stops working; a fresh access token."""
    refuse_common_password(new, "new_password", ctx)
    step_up.require(user, current, code, ctx)
    users.change_password(user.id, ctx.settings.hasher.hash(new))
    audit.record(ctx, user.id, audit.PASSWORD_CHANGED)
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="password_changed")
    notifications.send_notice(ctx.mailer, user.email, notifications.PASSWORD_CHANGED)
    return sessions.grant_fresh(user.id, ctx)


def delete_account(user: User, password: str, code: str | None, ctx: Context) -> None:
    """Delete the user and everything of theirs, their audit trail included."""
    step_up.require(user, password, code, ctx)
    remove(user, ctx, by="user")


def remove(user: User, ctx: Context, *, by: str) -> None:
    """Delete the user, their rows, counters and pending setup; record who did it."""
    atomically(lambda: users.delete(user.id))
    enrolment.forget_setup(user.id)
    attempts.clear_subject(user.email)  # its counters and its clients'
    audit.record_deletion(ctx, user.id, by=by, email=user.email)


def logout(claims: dict, user: User, ctx: Context) -> None:
    """Make the presented token stop working."""
    sessions.revoke(claims, ctx)
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="logout")


def logout_everywhere(user: User, ctx: Context) -> None:
    """Make every token of the user's stop working, and forget every remembered device."""
    users.revoke_tokens(user.id)
    devices.forget_all(user, ctx)
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="logout_everywhere")
