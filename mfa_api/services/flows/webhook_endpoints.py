"""Webhook endpoints, from an operator's shell (`flask webhooks add|list|remove|test`).

A receiver's URL is checked when it is added (http or https, and a host that resolves only to
public addresses unless WEBHOOKS_ALLOW_PRIVATE), and again at every send, as DNS can change.
Its signing secret is shown once and kept sealed under ENCRYPTION_KEYS, as TOTP seeds are.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ...config import Settings
from ...errors import InvalidInput, NotFound
from ...security import crypto, webhook_signing
from ...store import webhooks as store
from ...webhook_http import SCHEMES, Refused, checked_address, url_problem
from .. import audit, webhooks

ALL = "all"


@dataclass(frozen=True)
class Added:
    """A new endpoint: its id, and the signing secret (shown this once)."""

    id: int
    secret: str


@dataclass(frozen=True)
class Listed:
    """An endpoint as `flask webhooks list` shows it (never its secret)."""

    endpoint: store.Endpoint
    tally: store.Tally


def parse_events(value: str) -> str:
    """The events as stored (`*` for all), from `all` or names separated by commas."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    if names == [ALL]:
        return "*"
    unknown = [name for name in names if name not in audit.EVENTS]
    if not names or unknown:
        what = f"unknown events: {', '.join(unknown)}" if unknown else "no events given"
        raise InvalidInput(f"{what} (use all, or some of: {', '.join(audit.EVENTS)})")
    return ",".join(dict.fromkeys(names))


def add(url: str, events: str, settings: Settings, now: int) -> Added:
    """Add a receiver of events; InvalidInput for a URL that may not receive them."""
    problem = url_problem(url)
    if problem:
        raise InvalidInput(f"The URL {problem}")
    parts = urlsplit(url)
    try:
        checked_address(
            parts.hostname, parts.port or SCHEMES[parts.scheme], settings.webhooks_allow_private
        )
    except Refused as exc:
        raise InvalidInput(f"Refused: {exc}") from exc
    secret = webhook_signing.new_secret()
    sealed = (
        secret if settings.secret_cipher is None else crypto.encrypt(settings.secret_cipher, secret)
    )
    return Added(store.add_endpoint(url, parse_events(events), sealed, now), secret)


def listing() -> list[Listed]:
    """Every endpoint with its deliveries by state and its latest error."""
    tallies = store.tallies()
    return [Listed(e, tallies.get(e.id, store.Tally())) for e in store.endpoints()]


def remove(endpoint_id: int) -> None:
    """Remove an endpoint and what it still had to receive; NotFound if there is none."""
    if not store.remove_endpoint(endpoint_id):
        raise NotFound(f"No webhook endpoint {endpoint_id}")


def test(endpoint_id: int, now: int) -> None:
    """Queue a `webhook.test` message for an endpoint; NotFound if there is none."""
    if not webhooks.queue_test(endpoint_id, now):
        raise NotFound(f"No webhook endpoint {endpoint_id}")
