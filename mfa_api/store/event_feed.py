"""Every account's security events in one stream, oldest first, for the admin API's feed."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..db import get_db
from .events import Event


@dataclass(frozen=True)
class FeedEvent(Event):
    """One event of the stream, with its position (at, id) and its account's email if any."""

    id: int
    user_id: int | None
    email: str | None


def after(at: int, event_id: int, until: int, limit: int) -> list[FeedEvent]:
    """Up to limit events after the position (at, event_id) and at or before until, in
    (at, id) order: the time first, as on a Galera cluster ids interleave between nodes."""
    rows = get_db().fetch_all(
        "SELECT e.id, e.user_id, u.email, e.event, e.at, e.ip, e.user_agent, e.request_id, "
        "e.detail FROM security_events e LEFT JOIN users u ON u.id = e.user_id "
        "WHERE e.at >= ? AND (e.at > ? OR e.id > ?) AND e.at <= ? "
        "ORDER BY e.at, e.id LIMIT ?",
        (at, at, event_id, until, limit),
    )
    return [
        FeedEvent(**{**row, "detail": None if row["detail"] is None else json.loads(row["detail"])})
        for row in rows
    ]


def created_at(user_id: int) -> str | None:
    """When the account was made, as the database keeps it (mfa-php's TIMESTAMP column)."""
    row = get_db().fetch_one("SELECT created_at FROM users WHERE id = ?", (user_id,))
    if row is None or row["created_at"] is None:
        return None
    value = row["created_at"]
    return value if isinstance(value, str) else value.strftime("%Y-%m-%d %H:%M:%S")
