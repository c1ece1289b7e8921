"""Prometheus metrics: requests, logins, second factors, back-offs and locks, mails and texts.

Counted in every process whether or not /metrics is served (a counter costs a dictionary
lookup). Under several worker processes (gunicorn -w N, mod_wsgi processes=N) each worker counts
on its own: with PROMETHEUS_MULTIPROC_DIR set in the environment before the workers start (an
empty directory the service can write, emptied at every start: deploy/gunicorn.conf.py does
both), the workers write their counts there and /metrics adds them up.
"""

from __future__ import annotations

import os
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as PROCESS_REGISTRY

disable_created_metrics()  # no *_created series: they double the output and nobody reads them

REQUESTS = Counter(
    "mfa_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "mfa_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# The audit trail's events (logins, second factors, back-offs, locks…), counted by services.audit.
SECURITY_EVENTS = Counter(
    "mfa_security_events_total",
    "Security events, by the audit trail's names (login_failed, second_factor_failed, locked…)",
    ["event"],
)
SECOND_FACTORS = Counter(
    "mfa_second_factors_total",
    "Second factors checked, at login and in step-up (a code, TOTP, backup code…)",
    ["result"],
)
MESSAGES = Counter("mfa_messages_total", "Mails and texts", ["channel", "result"])


KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count an answered request and its duration (any other method as OTHER: clients must not
    be able to make new series at will)."""
    method = method if method in KNOWN_METHODS else "OTHER"
    REQUESTS.labels(method, route, str(status)).inc()
    REQUEST_SECONDS.labels(method, route).observe(seconds)


class _Sender(Protocol):
    def send(self, message) -> None: ...


class CountedSender:
    """Sends through another mailer or SMS sender, counting what was sent and what failed."""

    def __init__(self, sender: _Sender, channel: str):
        self.sender = sender
        self._sent = MESSAGES.labels(channel, "sent")
        self._failed = MESSAGES.labels(channel, "failed")

    def send(self, message) -> None:
        """Send, and count the outcome (a failure is raised on, as before)."""
        try:
            self.sender.send(message)
        except Exception:
            self._failed.inc()
            raise
        self._sent.inc()


def multiprocess_mode() -> bool:
    """True when the workers share their counts through PROMETHEUS_MULTIPROC_DIR."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition() -> tuple[bytes, str]:
    """Every worker's metrics in Prometheus' text format, and its content type."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(PROCESS_REGISTRY), CONTENT_TYPE_LATEST
