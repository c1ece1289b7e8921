"""Webhooks' outbox: each audit event becomes a delivery row for every endpoint that asked for
it, written in the event's own transaction (nothing is sent from a request; `flask webhooks
run` sends, see webhook_sender.py).

The payload carries who (user id, email), from where (the client's IP) and the event's own
detail, which the audit trail already keeps free of secrets: never a password, code, token,
key or TOTP seed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ..security import webhook_signing
from ..store import users
from ..store import webhooks as store
from ..store.webhooks import Endpoint
from .context import Context

TEST_EVENT = "webhook.test"


def subscribers(event: str) -> list[Endpoint]:
    """The endpoints that asked for event (usually none: one small read)."""
    return [endpoint for endpoint in store.endpoints() if endpoint.wants(event)]


def enqueue(
    ctx: Context,
    endpoints: list[Endpoint],
    event: str,
    user_id: int | None,
    detail: dict | None,
    email: str | None = None,
) -> None:
    """Queue the event for each endpoint (in the caller's transaction), one message id for all."""
    if email is None and user_id is not None:
        user = users.find_by_id(user_id)
        email = user.email if user else None
    data = {"user_id": user_id, "email": email, "ip": ctx.client.ip, **(detail or {})}
    body = payload(event, ctx.now, data)
    message_id = webhook_signing.new_message_id()
    for endpoint in endpoints:
        store.add_delivery(endpoint.id, message_id, event, body, ctx.now)


def payload(event: str, at: int, data: dict) -> str:
    """The JSON body of an event's message: its type, its time (RFC 3339, UTC) and data."""
    timestamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"type": event, "timestamp": timestamp, "data": data}, separators=(",", ":"))


def queue_test(endpoint_id: int, now: int) -> bool:
    """Queue a `webhook.test` message for one endpoint; False if there is no such endpoint."""
    if not any(endpoint.id == endpoint_id for endpoint in store.endpoints()):
        return False
    body = payload(TEST_EVENT, now, {"endpoint_id": endpoint_id})
    store.add_delivery(endpoint_id, webhook_signing.new_message_id(), TEST_EVENT, body, now)
    return True
