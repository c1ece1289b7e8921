"""The admin face (/api/admin): the `flask users …` commands over HTTP, for an application's
back office, with a scoped API key (admin_guard.py); and every account's events as a stream."""

from __future__ import annotations

from flask import Blueprint

from ..errors import default_shape, use_error_shape
from ..services.flows import admin, admin_api
from .admin_guard import admin_limit, audit_call, scope_required
from .admin_replies import FeedReply, UserEventsReply, UserReply
from .admin_schemas import FeedQuerySchema
from .common import context
from .contract import contract
from .replies import MessageReply
from .twofa_schemas import EventsQuerySchema

bp = Blueprint("admin", __name__)
use_error_shape(bp, default_shape)
bp.after_request(audit_call)


@bp.get("/users/<email>")
@admin_limit
@scope_required("users:read")
@contract(UserReply, errors=(404,))
def show_user(email: str):
    """An account: names, 2FA, its factors and their counts, its lock, when it was made."""
    found = admin_api.account(email, context())
    s = found.summary
    user = {**vars(s), **vars(found), "locked": s.second_factor_locked}
    return {"user": user}


@bp.post("/users/<email>/unlock")
@admin_limit
@scope_required("users:write")
@contract(MessageReply, errors=(404,))
def unlock_user(email: str):
    """Clear the account's failure counters, its second-factor lock included (mailed)."""
    admin_api.unlock(email, context())
    return {"message": "Account unlocked"}


@bp.post("/users/<email>/reset-2fa")
@admin_limit
@scope_required("users:write")
@contract(MessageReply, errors=(404,))
def reset_2fa(email: str):
    """Turn 2FA off for a user who lost every factor; every token of theirs stops working."""
    admin.reset_2fa(email, context())
    return {"message": "2FA turned off; every token of the user revoked"}


@bp.post("/users/<email>/revoke-tokens")
@admin_limit
@scope_required("users:write")
@contract(MessageReply, errors=(404,))
def revoke_tokens(email: str):
    """Make every token of the user stop working."""
    admin.revoke_tokens(email, context())
    return {"message": "Every token of the user revoked"}


@bp.delete("/users/<email>")
@admin_limit
@scope_required("users:write")
@contract(MessageReply, errors=(404,))
def delete_user(email: str):
    """Delete the user and everything of theirs."""
    admin.delete(email, context())
    return {"message": "Account deleted"}


@bp.get("/users/<email>/events")
@admin_limit
@scope_required("events:read")
@contract(UserEventsReply, query=EventsQuerySchema, errors=(404,))
def user_events(query, email: str):
    """The account's latest security events, newest first (as `flask users events`)."""
    return {"events": admin.events(email, query["limit"], context())}


@bp.get("/events")
@admin_limit
@scope_required("events:read")
@contract(FeedReply, query=FeedQuerySchema)
def events(query):
    """Every account's events, oldest first, a page at a time: follow nextCursor.

    Events younger than ADMIN_EVENTS_LAG_SECONDS are left out until they are older, so a
    follower gets each event once, in order (see docs/api.md)."""
    page = admin_api.feed(query["since"], query["cursor"], query["limit"], context())
    return {"events": page.events, "next_cursor": page.next_cursor}
