"""`flask webhooks run`: the sender. It claims due deliveries one at a time with a lease (so
senders on several hosts never post one message at the same time), posts each signed, and
settles it: delivered on a 2xx, else due again after a back-off, and failed once the message
is older than GIVE_UP_SECONDS.

At least once: a sender that dies holding a lease leaves the delivery to whoever takes it when
the lease runs out, so a receiver may see a message again; it dedupes on `webhook-id`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from ...config import Settings
from ...errors import ApiError
from ...security import webhook_signing
from ...store import webhooks as store
from ...webhook_http import DeliveryError, post
from ..sealing import open_sealed

log = logging.getLogger(__name__)

# Seconds to wait after the 1st, 2nd… failed attempt; the last one repeats.
BACKOFF = (5, 30, 120, 600, 1800, 3600, 7200)
GIVE_UP_SECONDS = 86400  # a message still undelivered this long after its event: failed
LEASE_MARGIN = 30  # a lease outlasts the deadline by this much: signing and settling
BATCH = 100

Poster = Callable[[str, bytes, dict, float, bool], int]


@dataclass
class Sent:
    """What one pass did."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        """Deliveries posted in the pass."""
        return self.delivered + self.retried + self.failed


def wait_after(attempts: int) -> int:
    """Seconds until the next attempt after `attempts` failed ones."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def send_due(
    settings: Settings, clock: Callable[[], float], batch: int = BATCH, poster: Poster = post
) -> Sent:
    """Post every delivery due now that no other sender holds (a batch at most). A receiver
    that fails is tried once per pass: its other messages wait for the next pass."""
    sent = Sent()
    failing: set[int] = set()
    for delivery_id, endpoint_id in store.due(int(clock()), batch):
        if endpoint_id in failing:
            continue
        now = int(clock())
        lease = secrets.token_hex(16)
        until = now + int(settings.webhooks_timeout_seconds) + LEASE_MARGIN
        delivery = store.claim(delivery_id, lease, now, until)
        if delivery is None:  # another sender won it, or it was settled meanwhile
            continue
        error = _attempt(settings, delivery, clock, poster)
        _settle(delivery, lease, int(clock()), error, sent)
        if error is not None:
            failing.add(endpoint_id)
    return sent


def _attempt(
    settings: Settings, delivery: store.Delivery, clock: Callable[[], float], poster: Poster
) -> str | None:
    """Post the message, signed as of now; None when the receiver took it, else why not."""
    try:
        secret = open_sealed(
            settings.secret_cipher, delivery.secret, f"webhook_endpoints {delivery.endpoint_id}"
        )
    except ApiError as exc:
        return exc.message
    body = delivery.payload.encode()
    headers = webhook_signing.headers(secret, delivery.message_id, int(clock()), body)
    try:
        status = poster(
            delivery.url,
            body,
            headers,
            settings.webhooks_timeout_seconds,
            settings.webhooks_allow_private,
        )
    except DeliveryError as exc:
        return str(exc)
    return None if 200 <= status < 300 else f"answered HTTP {status}"


def _settle(delivery: store.Delivery, lease: str, now: int, error: str | None, sent: Sent) -> None:
    """Record the attempt's outcome (only while the lease is still this sender's)."""
    where = f"webhook delivery {delivery.id} ({delivery.event} to {delivery.url})"
    if error is None:
        store.delivered(delivery.id, lease, now)
        sent.delivered += 1
    elif now - delivery.created_at >= GIVE_UP_SECONDS:
        store.failed(delivery.id, lease, now, error)
        sent.failed += 1
        log.error("%s failed for good after %d attempts: %s", where, delivery.attempts + 1, error)
    else:
        store.retry(delivery.id, lease, now, now + wait_after(delivery.attempts + 1), error)
        sent.retried += 1
        log.warning("%s: %s; trying again later", where, error)
