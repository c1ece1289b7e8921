"""Housekeeping: rows past their time, removed by `flask sweep` in bounded batches, never by a
request (on a Galera cluster, hosts deleting the same ranges at once collide).

Each batch is one bounded DELETE of rows whose time has passed, so every host may sweep at once:
a concurrent run only finds less to do. Tests call sweep_all directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...config import Settings
from ...errors import ApiError
from ...store import (
    attempts,
    challenges,
    devices,
    ephemeral,
    events,
    pending,
    revoked,
    server_clock,
    webhooks,
)
from .registration import EXPIRED_KEPT_SECONDS

MAX_BATCHES = 1000  # per sweep and run: a run that stops there says so, the next goes on
BATCH = 500
# Ids of logged-out tokens are kept this long past the tokens' expiry (and the leeway): a host
# whose clock runs ahead must never drop one that another host still checks. Tiny rows.
REVOCATION_MARGIN = 3600
CHALLENGE_MARGIN = 86400  # a used or expired challenge, kept a day (as its user's next login did)


@dataclass(frozen=True)
class Swept:
    """What one sweep removed, and whether it stopped with rows left (at max_batches)."""

    what: str
    removed: int
    finished: bool
    failed: str | None = None  # why this sweep stopped (the others still ran)


def sweeps(settings: Settings, now: int) -> list[tuple[str, Callable[[int], int]]]:
    """Each sweep's name and one bounded batch of it (batch size in, rows removed out)."""
    retained = now - settings.events_retention_seconds
    delivered_before = now - settings.webhooks_retention_seconds
    return [
        ("expired sign-ups", lambda n: pending.sweep_expired(now - EXPIRED_KEPT_SECONDS, n)),
        ("idle failure counters", lambda n: attempts.sweep(retained, settings.lock_after, n)),
        ("expired revocations", lambda n: revoked.purge(_revoked_before(settings, now), n)),
        ("expired login challenges", lambda n: challenges.sweep_expired(now - CHALLENGE_MARGIN, n)),
        ("expired remembered devices", lambda n: devices.purge(now, n)),
        ("audit events past the retention", lambda n: events.purge(retained, n)),
        ("settled webhook deliveries", lambda n: webhooks.purge(delivered_before, n)),
        ("expired short-lived keys", lambda n: ephemeral.sweep_expired(now, n)),
    ]


def sweep_all(
    settings: Settings, now: int, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> list[Swept]:
    """Run every sweep once, batch after batch until one comes back short (or max_batches); a
    sweep that fails (the database busy, say) is reported, and the others still run."""
    done = []
    for what, one_batch in sweeps(settings, now):
        removed, finished, failed = 0, False, None
        try:
            for _ in range(max_batches):
                went = one_batch(batch)
                removed += went
                if went < batch:  # nothing more, or another host's run took part of this batch
                    finished = True
                    break
        except ApiError as exc:
            failed = exc.message
        done.append(Swept(what, removed, finished, failed))
    return done


def sweep_by_the_databases_clock(
    settings: Settings, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> list[Swept]:
    """sweep_all as of the database server's time, which every host shares: a host whose own
    clock runs ahead must not sweep early what the others still need."""
    return sweep_all(settings, server_clock.now(), batch, max_batches)


def _revoked_before(settings: Settings, now: int) -> int:
    return now - settings.jwt_leeway_seconds - REVOCATION_MARGIN
