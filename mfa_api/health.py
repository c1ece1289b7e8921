"""Readiness: whether the database exists and answers with an up-to-date schema, and Redis (when
configured) answers. Shared by GET /readyz and `flask check-config`. A database that does not
exist (dropped, its SQLite file gone) is `database`, not `schema`: init-db cannot make it."""

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

    part: str  # database, schema or redis
    detail: str  # for the log and the operator, not for clients


def unready_parts(
    open_db: Callable[[], AbstractContextManager[Database]], redis_client: redis.Redis | None
) -> list[Unready]:
    """What is not ready: the database (opened with open_db), its schema, Redis if configured."""
    found = []
    try:
        with open_db() as db:
            gone = db.gone()
            behind = [] if gone else pending(db)
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
