"""The account on the 2FA face: password change, deletion, logout, its audit trail, unlocking."""

from __future__ import annotations

from datetime import UTC, datetime

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
from ..store.events import Event
from .common import access_fields, context, json_body
from .guards import token_required
from .limits import per_ip, step_up_limit

bp = Blueprint("account", __name__)


@bp.post("/password")
@step_up_limit
@token_required(ACCESS)
def change_password():
    """New password (step-up: current password and, with 2FA on, a second factor)."""
    form = load(ChangePasswordSchema(), json_body())
    access = account.change_password(
        g.user, form["current_password"], form["new_password"], form["otp"], context()
    )
    return {"success": True, "message": "Password changed", **access_fields(access)}


@bp.delete("/account")
@step_up_limit
@token_required(ACCESS)
def delete_account():
    """Delete the user and everything of theirs (step-up as for the password)."""
    form = load(PasswordWithCodeSchema(), json_body())
    account.delete_account(g.user, form["password"], form["otp"], context())
    return {"success": True, "message": "Account deleted"}


@bp.post("/logout")
@token_required(ACCESS)
def logout():
    """Make the presented token stop working."""
    account.logout(g.claims, g.user, context())
    return {"success": True, "message": "Logged out"}


@bp.get("/events")
@token_required(ACCESS)
def events():
    """The caller's own recent security events, newest first."""
    limit = load(EventsQuerySchema(), request.args.to_dict())["limit"]
    found = audit.recent(g.user.id, limit, context())
    return {"success": True, "events": [_event_json(e) for e in found]}


@bp.post("/unlock")
@per_ip("RATELIMIT_UNLOCK")
def unlock():
    """Lift a second-factor lock with the single-use token mailed in the lock notice."""
    token = load(UnlockSchema(), json_body())["token"]
    lockout.unlock_with_token(token, context())
    return {"success": True, "message": "Account unlocked"}


def _event_json(event: Event) -> dict:
    return {
        "event": event.event,
        "at": datetime.fromtimestamp(event.at, UTC).isoformat().replace("+00:00", "Z"),
        "ip": event.ip,
        "userAgent": event.user_agent,
        "requestId": event.request_id,
        "detail": event.detail,
    }
