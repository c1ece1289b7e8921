"""The database server's clock: the one time every app host shares (`flask sweep` goes by it)."""

from __future__ import annotations

from ..db import get_db


def now() -> int:
    """The database server's time, in whole Unix seconds."""
    return int(get_db().clock())
