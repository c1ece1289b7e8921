"""Housekeeping: rows past their time, removed by `flask sweep` in bounded batches, never by a
request (on a Galera cluster, hosts deleting the same ranges at once collide).

Each batch is one bounded DELETE of rows whose time has passed, so every host may sweep at once:
a concurrent run only finds less to do. Tests call sweep_all directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import Settings
from ..store import attempts, devices, ephemeral, events, pending, revoked
from .registration import EXPIRED_KEPT_SECONDS

MAX_BATCHES = 1000  # per sweep and run: a run that stops there says so, the next goes on
BATCH = 500


@dataclass(frozen=True)
class Swept:
    """What one sweep removed, and whether it stopped with rows left (at max_batches)."""

    what: str
    removed: int
    finished: bool


def sweeps(settings: Settings, now: int) -> list[tuple[str, Callable[[int], int]]]:
    """Each sweep's name and one bounded batch of it (batch size in, rows removed out)."""
    retained = now - settings.events_retention_seconds
    return [
        ("expired sign-ups", lambda n: pending.sweep_expired(now - EXPIRED_KEPT_SECONDS, n)),
        ("idle failure counters", lambda n: attempts.sweep(retained, settings.lock_after, n)),
        ("expired revocations", lambda n: revoked.purge(now - settings.jwt_leeway_seconds, n)),
        ("expired remembered devices", lambda n: devices.purge(now, n)),
        ("audit events past the retention", lambda n: events.purge(retained, n)),
        ("expired short-lived keys", lambda n: ephemeral.sweep_expired(now, n)),
    ]


def sweep_all(
    settings: Settings, now: int, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> list[Swept]:
    """Run every sweep once, batch after batch until one comes back short (or max_batches)."""
    done = []
    for what, one_batch in sweeps(settings, now):
        removed, finished = 0, False
        for _ in range(max_batches):
            went = one_batch(batch)
            removed += went
            if went < batch:  # nothing more, or another host's run took part of this batch
                finished = True
                break
        done.append(Swept(what, removed, finished))
    return done
