"""Readiness: whether the database exists and answers with an up-to-date schema, this host's clock
agrees with the database's, and Redis (when configured) answers. Shared by GET /readyz and
`flask check-config`. A database that does not exist (dropped, its SQLite file gone) is
`database`, not `schema`: init-db cannot make it.

Every host decides with its own clock (token expiry, TOTP steps spent, back-off): a host whose
clock runs ahead of the others would spend the TOTP step they still expect, so one that is off
the database's by more than CLOCK_SKEW_MAX_SECONDS is `clock` until NTP brings it back."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .db import Database, DatabaseUnavailable
from .migrate import pending
from .redis_client import redis_error

if TYPE_CHECKING:
    import redis


@dataclass(frozen=True)
class Unready:
    """A part the service needs that does not answer as it should."""

    part: str  # database, schema, clock or redis
    detail: str  # for the log and the operator, not for clients


def unready_parts(
    open_db: Callable[[], AbstractContextManager[Database]],
    redis_client: redis.Redis | None,
    clock: Callable[[], float] | None = None,
    max_skew: float = 0,
) -> list[Unready]:
    """What is not ready: the database (opened with open_db), its schema, this host's clock
    against the database's (when clock is given and max_skew is not 0), Redis if configured."""
    found = []
    try:
        with open_db() as db:
            gone = db.gone()
            node = None if gone else db.node_problem()
            behind = [] if gone or node else pending(db)
            asked = clock is not None and max_skew and not gone and not node
            skew = clock() - db.clock() if asked else 0
        if abs(skew) > max_skew:
            found.append(
                Unready(
                    "clock",
                    f"this host's clock is {skew:+.1f} s off the database's (more than "
                    "CLOCK_SKEW_MAX_SECONDS): check NTP",
                )
            )
        if node:
            found.append(Unready("database", node))
        if gone:
            found.append(Unready("database", f"the database does not exist: {gone}"))
        elif behind:
            found.append(
                Unready("schema", f"the schema is behind ({', '.join(behind)}): run init-db")
            )
    except DatabaseUnavailable as exc:  # unreachable, or missing (Unknown database, no file)
        cause = exc.__cause__ or "failing fast after a recent failure"
        found.append(Unready("database", f"the database cannot be reached: {cause}"))
    if redis_client is not None:
        try:
            redis_client.ping()
        except redis_error() as exc:
            found.append(Unready("redis", f"Redis cannot be reached: {exc}"))
    return found
