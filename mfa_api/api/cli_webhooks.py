"""`flask webhooks …`: the receivers of security events, and the sender (`run`)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from ..errors import ApiError
from ..services.flows import webhook_endpoints, webhook_sender
from ..state import state
from ..store import server_clock
from .cli import _errors_as_messages
from .common import now

log = logging.getLogger(__name__)

webhooks = AppGroup(
    "webhooks", help="Signed webhooks for security events: add, list, remove, test, run."
)


def _when(at: int | None) -> str:
    return "-" if at is None else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@webhooks.command("add")
@click.argument("url")
@click.option(
    "--events",
    required=True,
    help="all, or event names separated by commas (login_failed,locked,…).",
)
@_errors_as_messages
def add(url: str, events: str) -> None:
    """Add a receiver; print its id and its signing secret (shown this once)."""
    added = webhook_endpoints.add(url, events, state().settings, now())
    click.echo(f"Added webhook endpoint {added.id}.")
    click.echo(f"Signing secret (shown once; keep it with the receiver): {added.secret}")
    if url.startswith("http://"):
        click.echo("Warning: http:// sends the events unencrypted; prefer https://.")


@webhooks.command("list")
@_errors_as_messages
def list_endpoints() -> None:
    """Print each receiver with its deliveries: pending, delivered, failed, the last error."""
    listed = webhook_endpoints.listing()
    if not listed:
        click.echo("No webhook endpoints.")
    for one in listed:
        e, t = one.endpoint, one.tally
        events = "all" if e.events == "*" else e.events
        click.echo(f"{e.id}  {e.url}")
        click.echo(f"    events:     {events}")
        click.echo(f"    created:    {_when(e.created_at)}")
        click.echo(
            f"    deliveries: {t.pending} pending, {t.delivered} delivered, {t.failed} failed"
        )
        if t.last_error:
            click.echo(f"    last error: {t.last_error} ({_when(t.last_error_at)})")


@webhooks.command("remove")
@click.argument("endpoint_id", type=int)
@_errors_as_messages
def remove(endpoint_id: int) -> None:
    """Remove a receiver, and the deliveries it still had."""
    webhook_endpoints.remove(endpoint_id)
    click.echo(f"Removed webhook endpoint {endpoint_id}.")


@webhooks.command("test")
@click.argument("endpoint_id", type=int)
@_errors_as_messages
def test(endpoint_id: int) -> None:
    """Queue a webhook.test message for a receiver (`flask webhooks run` sends it)."""
    webhook_endpoints.test(endpoint_id, now())
    click.echo(f"Queued a webhook.test message for endpoint {endpoint_id}.")


@webhooks.command("run")
@click.option("--once", is_flag=True, help="One pass over what is due, then exit (cron, tests).")
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.1, 60),
    help="Seconds to wait when nothing was due.",
)
def run(once: bool, interval: float) -> None:
    """Send what is due, by the database's clock, until stopped (SIGTERM ends it after the
    delivery in hand); safe on every host at once."""
    app = current_app._get_current_object()  # noqa: SLF001 - each pass gets its own context
    stop = threading.Event()
    if not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        log.info("webhooks sender started")
    while not stop.is_set():
        sent = webhook_sender.Sent()
        with app.app_context():
            try:
                sent = webhook_sender.send_due(state().settings, server_clock.now)
            except ApiError as exc:  # the database down or busy: try again after the interval
                log.error("webhooks sender: %s", exc.message)
                if once:
                    raise click.ClickException(exc.message) from exc
        if once:
            click.echo(
                f"Delivered {sent.delivered}, to retry {sent.retried}, failed {sent.failed}."
            )
            return
        if sent.attempted == 0:
            stop.wait(interval)
