"""The admin face (/api/admin): the `flask users …` commands over HTTP, for an application's
back office, with a scoped API key (admin_guard.py); and every account's events as a stream."""

from __future__ import annotations

from flask import Blueprint

from ..errors import default_shape, use_error_shape
from ..services import admin_api
from .admin_guard import admin_limit, audit_call, scope_required
from .admin_replies import UserReply
from .common import context
from .contract import documented
from .replies import reply

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
