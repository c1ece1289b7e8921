"""Fail fast while a dependency is down: after a failure, calls to it are refused at once for a
short while (no worker tied up waiting on it), then it is tried again; recovery is automatic."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

from .state import fill, state_of

log = logging.getLogger(__name__)

DEPENDENCIES = ("database", "redis", "mail", "sms")


class Breaker:
    """One dependency's breaker, shared by the threads of one process."""

    def __init__(self, name: str, open_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.open_seconds = open_seconds
        self._clock = clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        """True while calls should be refused without trying the dependency."""
        return self._clock() < self._open_until

    def failed(self) -> None:
        """The dependency failed: refuse calls to it for open_seconds."""
        with self._lock:
            if not self.is_open():
                log.warning("%s unreachable: failing fast for %.1f s", self.name, self.open_seconds)
            self._open_until = self._clock() + self.open_seconds

    def succeeded(self) -> None:
        """The dependency answered: calls go through again."""
        self._open_until = 0.0


def init_breakers(app: Flask) -> None:
    """One breaker per dependency for this app (BREAKER_SECONDS open after a failure)."""
    seconds = state_of(app).values.breaker_seconds
    fill(app, breakers={name: Breaker(name, seconds) for name in DEPENDENCIES})
