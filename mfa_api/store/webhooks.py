"""`webhook_endpoints` and `webhook_deliveries`: the receivers, and the durable outbox.

A delivery is claimed with a lease, a conditional UPDATE only one sender wins (on SQLite,
MariaDB and Galera alike: no SELECT … FOR UPDATE), and only its lease holder may settle it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..db import get_db

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
PURGE_BATCH = 100


@dataclass(frozen=True)
class Endpoint:
    """A receiver: its URL, the events it asked for (`*`: all), its sealed signing secret."""

    id: int
    url: str
    events: str
    secret: str
    created_at: int

    def wants(self, event: str) -> bool:
        """Whether this endpoint asked for event."""
        return self.events == "*" or event in self.events.split(",")


@dataclass(frozen=True)
class Delivery:
    """One message on its way to one endpoint (with that endpoint's URL and sealed secret)."""

    id: int
    endpoint_id: int
    url: str
    secret: str
    message_id: str
    event: str
    payload: str
    created_at: int
    attempts: int


@dataclass(frozen=True)
class Tally:
    """An endpoint's deliveries by state, and the last error any of them met."""

    pending: int = 0
    delivered: int = 0
    failed: int = 0
    last_error: str | None = None
    last_error_at: int | None = None


def add_endpoint(url: str, events: str, sealed_secret: str, now: int) -> int:
    """A new receiver; its id."""
    return get_db().insert(
        "INSERT INTO webhook_endpoints (url, events, secret, created_at) VALUES (?, ?, ?, ?)",
        (url, events, sealed_secret, now),
    )


def endpoints() -> list[Endpoint]:
    """Every receiver, oldest first."""
    rows = get_db().fetch_all(
        "SELECT id, url, events, secret, created_at FROM webhook_endpoints ORDER BY created_at, id"
    )
    return [Endpoint(**row) for row in rows]


def remove_endpoint(endpoint_id: int) -> bool:
    """Remove a receiver and its deliveries; False if there was none."""
    return get_db().execute("DELETE FROM webhook_endpoints WHERE id = ?", (endpoint_id,)) == 1


def add_delivery(endpoint_id: int, message_id: str, event: str, payload: str, now: int) -> int:
    """Queue one message for one endpoint, due at once; its id."""
    return get_db().insert(
        "INSERT INTO webhook_deliveries (endpoint_id, message_id, event, payload, created_at, "
        "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
        (endpoint_id, message_id, event, payload, now, now),
    )


def due(now: int, limit: int) -> list[tuple[int, int]]:
    """(delivery id, endpoint id) of pending deliveries due by now and leased to no one,
    the longest due first."""
    rows = get_db().fetch_all(
        "SELECT id, endpoint_id FROM webhook_deliveries WHERE status = ? AND next_attempt_at <= ? "
        "AND (leased_until IS NULL OR leased_until < ?) ORDER BY next_attempt_at, id LIMIT ?",
        (PENDING, now, now, limit),
    )
    return [(row["id"], row["endpoint_id"]) for row in rows]


def claim(delivery_id: int, lease: str, now: int, until: int) -> Delivery | None:
    """Take the delivery for this lease until `until`, if still due and free; it, or None when
    another sender won it (or it was settled or removed meanwhile)."""
    db = get_db()
    won = db.execute(
        "UPDATE webhook_deliveries SET leased_until = ?, lease = ? WHERE id = ? AND status = ? "
        "AND next_attempt_at <= ? AND (leased_until IS NULL OR leased_until < ?)",
        (until, lease, delivery_id, PENDING, now, now),
    )
    if won != 1:
        return None
    row = db.fetch_one(
        "SELECT d.id, d.endpoint_id, e.url, e.secret, d.message_id, d.event, d.payload, "
        "d.created_at, d.attempts FROM webhook_deliveries d "
        "JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ? AND d.lease = ?",
        (delivery_id, lease),
    )
    return None if row is None else Delivery(**row)


def _settle(assignments: str, params: tuple, delivery_id: int, lease: str) -> bool:
    """Record an attempt (and free the lease) while the lease is still the caller's."""
    return (
        get_db().execute(
            f"UPDATE webhook_deliveries SET attempts = attempts + 1, {assignments}, "  # noqa: S608
            "leased_until = NULL, lease = NULL WHERE id = ? AND lease = ?",
            (*params, delivery_id, lease),
        )
        == 1
    )


def delivered(delivery_id: int, lease: str, now: int) -> bool:
    """Settle a delivery the receiver took; False if the lease was lost meanwhile."""
    done = "status = ?, last_attempt_at = ?, finished_at = ?"
    return _settle(done, (DELIVERED, now, now), delivery_id, lease)


def retry(delivery_id: int, lease: str, now: int, next_at: int, error: str) -> bool:
    """A failed attempt: due again at next_at; False if the lease was lost meanwhile."""
    again = "last_attempt_at = ?, last_error = ?, next_attempt_at = ?"
    return _settle(again, (now, error[:255], next_at), delivery_id, lease)


def failed(delivery_id: int, lease: str, now: int, error: str) -> bool:
    """The last attempt failed: given up; False if the lease was lost meanwhile."""
    given_up = "status = ?, last_attempt_at = ?, last_error = ?, finished_at = ?"
    return _settle(given_up, (FAILED, now, error[:255], now), delivery_id, lease)


def tallies() -> dict[int, Tally]:
    """Each endpoint's deliveries by state, with the latest error met."""
    db = get_db()
    counts: dict[int, dict] = {}
    for row in db.fetch_all(
        "SELECT endpoint_id, status, COUNT(*) AS n FROM webhook_deliveries "
        "GROUP BY endpoint_id, status"
    ):
        counts.setdefault(row["endpoint_id"], {})[row["status"]] = row["n"]
    found = {}
    for endpoint_id, by_status in counts.items():
        last = db.fetch_one(
            "SELECT last_error, last_attempt_at FROM webhook_deliveries "
            "WHERE endpoint_id = ? AND last_error IS NOT NULL "
            "ORDER BY last_attempt_at DESC, id DESC LIMIT 1",
            (endpoint_id,),
        )
        found[endpoint_id] = Tally(
            pending=by_status.get(PENDING, 0),
            delivered=by_status.get(DELIVERED, 0),
            failed=by_status.get(FAILED, 0),
            last_error=last and last["last_error"],
            last_error_at=last and last["last_attempt_at"],
        )
    return found


def purge(before: int, batch: int = PURGE_BATCH) -> int:
    """Delete a batch of the deliveries settled (delivered or failed) before `before`."""
    return get_db().delete_oldest("webhook_deliveries", "finished_at", before, batch)
