"""The `security_events` table: what happened to an account, when, and from where."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..db import get_db

PURGE_BATCH = 100


@dataclass(frozen=True)
class Event:
    """One line of an account's audit trail."""

    event: str
    at: int
    ip: str
    user_agent: str
    request_id: str
    detail: dict | None


def record(
    *,
    user_id: int | None,
    event: str,
    ip: str,
    user_agent: str,
    request_id: str,
    at: int,
    detail: dict | None,
) -> int:
    """Append one event to the user's trail; its id."""
    return get_db().insert(
        "INSERT INTO security_events (user_id, event, ip, user_agent, request_id, at, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            user_id,
            event,
            ip,
            user_agent,
            request_id,
            at,
            None if detail is None else json.dumps(detail, separators=(",", ":")),
        ),
    )


def recent(user_id: int, since: int, limit: int) -> list[Event]:
    """The user's latest events at or after since, newest first (by time; the id only orders
    events of one second, as on a Galera cluster ids interleave)."""
    rows = get_db().fetch_all(
        "SELECT event, at, ip, user_agent, request_id, detail FROM security_events "
        "WHERE user_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?",
        (user_id, since, limit),
    )
    return [
        Event(**{**row, "detail": None if row["detail"] is None else json.loads(row["detail"])})
        for row in rows
    ]


def purge(before: int, batch: int = PURGE_BATCH) -> int:
    """Delete a batch of the events older than before (the retention); how many went."""
    return get_db().delete_oldest("security_events", "at", before, batch)
