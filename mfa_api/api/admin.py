"""The admin face (/api/admin): the `flask users …` commands over HTTP, for an application's
back office, with a scoped API key (admin_guard.py); and every account's events as a stream."""

from __future__ import annotations

from flask import Blueprint, request

from ..errors import default_shape, use_error_shape
from ..schemas import EventsQuerySchema, load
from ..services.flows import admin, admin_api
from .admin_guard import admin_limit, audit_call, scope_required
from .admin_replies import FeedQuerySchema, FeedReply, UserEventsReply, UserReply
from .common import context
from .contract import documented
from .replies import MessageReply, reply

bp = Blueprint("admin", __name__)
use_error_shape(bp, default_shape)
bp.after_request(audit_call)


@bp.get("/users/<email>")
@documented(UserReply, errors=(404,))
@admin_limit
@scope_required("users:read")
def show_user(email: str):
    """An account: names, 2FA, its factors and their counts, its lock, when it was made."""
    found = admin_api.account(email, context())
    s = found.summary
    user = {**vars(s), **vars(found), "locked": s.second_factor_locked}
    return reply(UserReply, {"user": user})


@bp.post("/users/<email>/unlock")
@documented(MessageReply, errors=(404,))
@admin_limit
@scope_required("users:write")
def unlock_user(email: str):
    """Clear the account's failure counters, its second-factor lock included (mailed)."""
    admin_api.unlock(email, context())
    return reply(MessageReply, {"message": "Account unlocked"})


@bp.post("/users/<email>/reset-2fa")
@documented(MessageReply, errors=(404,))
@admin_limit
@scope_required("users:write")
def reset_2fa(email: str):
    """Turn 2FA off for a user who lost every factor; every token of theirs stops working."""
    admin.reset_2fa(email, context())
    return reply(MessageReply, {"message": "2FA turned off; every token of the user revoked"})


@bp.post("/users/<email>/revoke-tokens")
@documented(MessageReply, errors=(404,))
@admin_limit
@scope_required("users:write")
def revoke_tokens(email: str):
    """Make every token of the user stop working."""
    admin.revoke_tokens(email, context())
    return reply(MessageReply, {"message": "Every token of the user revoked"})


@bp.delete("/users/<email>")
@documented(MessageReply, errors=(404,))
@admin_limit
@scope_required("users:write")
def delete_user(email: str):
    """Delete the user and everything of theirs."""
    admin.delete(email, context())
    return reply(MessageReply, {"message": "Account deleted"})


@bp.get("/users/<email>/events")
@documented(UserEventsReply, query=EventsQuerySchema, errors=(404,))
@admin_limit
@scope_required("events:read")
def user_events(email: str):
    """The account's latest security events, newest first (as `flask users events`)."""
    limit = load(EventsQuerySchema, request.args.to_dict())["limit"]
    return reply(UserEventsReply, {"events": admin.events(email, limit, context())})


@bp.get("/events")
@documented(FeedReply, query=FeedQuerySchema)
@admin_limit
@scope_required("events:read")
def events():
    """Every account's events, oldest first, a page at a time: follow nextCursor.

    Events younger than ADMIN_EVENTS_LAG_SECONDS are left out until they are older, so a
    follower gets each event once, in order (see docs/api.md)."""
    query = load(FeedQuerySchema, request.args.to_dict())
    page = admin_api.feed(query["since"], query["cursor"], query["limit"], context())
    return reply(FeedReply, {"events": page.events, "next_cursor": page.next_cursor})
