"""Development only (FLASK_DEBUG=1): the outbox, where every mail and text message sent is
also kept, so scripts and Postman runs read one-time codes without a mailbox. It answers this
machine alone: a loopback socket, with no proxy in between."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from flask import Blueprint, request
from marshmallow import Schema, fields, validate

from ..errors import NotFound
from ..parts import outbox as outbox_of
from ..state import state
from .contract import contract
from .inputs import BodySchema, Text
from .replies import UnixTime

bp = Blueprint("dev", __name__)
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def from_this_machine() -> bool:
    """Whether the request's socket is loopback and no proxy forwarded it (a proxy on this
    machine connects from loopback too); a header can only refuse, never admit."""
    socket = request.environ.get("werkzeug.proxy_fix.orig", request.environ).get("REMOTE_ADDR")
    try:
        loopback = ipaddress.ip_address(socket or "").is_loopback
    except ValueError:
        return False
    return loopback and not any(name in request.headers for name in PROXY_HEADERS)


class OutboxQuerySchema(BodySchema):
    required_message = "to (an email, or + and a phone's digits) is required"
    to = Text(
        required=True,
        validate=validate.Length(max=255),
        metadata={"description": "An email, or a phone as + and digits (send + as %2B)."},
    )


class KeptMessageFields(Schema):
    to = fields.String(required=True)
    subject = fields.String(required=True, allow_none=True, metadata={"description": "Mail."})
    text = fields.String(required=True)
    code = fields.String(
        required=True, allow_none=True, metadata={"description": "The one-time code it carries."}
    )
    sent_at = UnixTime(required=True)


class OutboxReply(Schema):
    """Messages to one recipient, newest first (kept an hour, 20 at most)."""

    messages = fields.List(fields.Nested(KeptMessageFields), required=True)


def outbox_here(view: Callable) -> Callable:
    """A decorator: 404 (as if absent, as outside development) unless the outbox is kept and
    the request comes from this machine; checked before the query is read."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if outbox_of(state()) is None or not from_this_machine():
            raise NotFound()
        return view(*args, **kwargs)

    return guarded


@bp.get("/dev/outbox")
@outbox_here
@contract(OutboxReply, query=OutboxQuerySchema)
def outbox(query):
    """The mail and text messages sent to one recipient lately (development only)."""
    return {"messages": outbox_of(state()).read(query["to"])}
