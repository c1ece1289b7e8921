"""The account on the 2FA face: password change, deletion, logout, its audit trail, unlocking."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..schemas import (
    ChangePasswordSchema,
    EventsQuerySchema,
    PasswordWithCodeSchema,
    UnlockSchema,
    load,
)
from ..security.tokens import ACCESS
from ..services import account, audit, lockout
from .common import context, json_body
from .contract import documented
from .guards import token_required
from .limits import per_ip, step_up_limit
from .replies import MessageReply, reply
from .twofa_replies import AccessReply, EventsReply

bp = Blueprint("account", __name__)


@bp.post("/password")
@documented(AccessReply, body=ChangePasswordSchema, errors=(423,))
@step_up_limit
@token_required(ACCESS)
def change_password():
    """New password (step-up: current password and, with 2FA on, a second factor)."""
    form = load(ChangePasswordSchema(), json_body())
    access = account.change_password(
        g.user, form["current_password"], form["new_password"], form["otp"], context()
    )
    return reply(AccessReply, {"message": "Password changed", "access": access})


@bp.delete("/account")
@documented(MessageReply, body=PasswordWithCodeSchema, errors=(423,))
@step_up_limit
@token_required(ACCESS)
def delete_account():
    """Delete the user and everything of theirs (step-up as for the password)."""
    form = load(PasswordWithCodeSchema(), json_body())
    account.delete_account(g.user, form["password"], form["otp"], context())
    return reply(MessageReply, {"message": "Account deleted"})


@bp.post("/logout")
@documented(MessageReply)
@token_required(ACCESS)
def logout():
    """Make the presented token stop working."""
    account.logout(g.claims, g.user, context())
    return reply(MessageReply, {"message": "Logged out"})


@bp.get("/events")
@documented(EventsReply, query=EventsQuerySchema)
@token_required(ACCESS)
def events():
    """The caller's own recent security events, newest first."""
    limit = load(EventsQuerySchema(), request.args.to_dict())["limit"]
    found = audit.recent(g.user.id, limit, context())
    return reply(EventsReply, {"events": found})


@bp.post("/unlock")
@documented(MessageReply, body=UnlockSchema)
@per_ip("RATELIMIT_UNLOCK")
def unlock():
    """Lift a second-factor lock with the single-use token mailed in the lock notice."""
    token = load(UnlockSchema(), json_body())["token"]
    lockout.unlock_with_token(token, context())
    return reply(MessageReply, {"message": "Account unlocked"})
