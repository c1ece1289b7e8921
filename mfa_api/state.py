"""The application's state: every part the requests and commands of one app share, in one
object under one `app.extensions` key, reached one way (`state()`, or `state_of(app)`).

create_app fills it in step by step (the configuration's source and problems, then the typed
settings, the breakers, the services' parts, the Redis client); after that it only changes
where a test swaps a part (`fill(app, clock=...)`) and when the OpenAPI document is first
built. It imports nothing of the project at run time, so every layer may read it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    import redis

    from .breaker import Breaker
    from .config import Settings, Values
    from .config_check import Problem
    from .mailer import Mailer
    from .sms import Sms

KEY = "mfa"  # the one app.extensions key of mfa-api (flask-limiter keeps its own)


@dataclass(frozen=True)
class AppState:
    """What every request shares; made once by create_app (tests swap a part with fill)."""

    development: bool = False  # FLASK_DEBUG=1, or a test's own app: unsafe settings warn
    development_exposed: str | None = None  # how development mode is reachable beyond loopback
    settings_from: str | None = None  # the settings file read, for the start-up log
    config_problems: tuple[Problem, ...] = ()  # found at start-up, for `flask check-config`
    values: Values | None = None  # every setting of the table, typed
    settings: Settings | None = None  # the services' view of them, keys derived
    clock: Callable[[], float] = time.time
    mailer: Mailer | None = None
    sms: Sms | None = None
    keeps_outbox: bool = False  # FLASK_DEBUG=1 only: the development outbox
    breakers: Mapping[str, Breaker] = field(default_factory=dict)  # one per dependency
    redis: redis.Redis | None = None  # when REDIS_URL is set
    openapi: dict | None = None  # the OpenAPI document, once built
    error_shapes: dict[str, Callable] = field(default_factory=dict)  # blueprint → error body


def state_of(app: Flask) -> AppState:
    """The state of app."""
    return app.extensions[KEY]


def state() -> AppState:
    """The state of the current app."""
    return state_of(current_app)


def fill(app: Flask, **parts: Any) -> AppState:
    """Set parts of app's state (create_app step by step; a test swapping its clock)."""
    made = replace(app.extensions.get(KEY) or AppState(), **parts)
    app.extensions[KEY] = made
    return made


def value(name: str) -> Any:
    """One setting of the current app by its name in the table (RATELIMIT_LOGIN), typed."""
    return getattr(state().values, name.lower())
