"""`flask sweep`: every expiry sweep once, from a timer on each host (never from a request)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..errors import ApiError
from ..services.flows import housekeeping
from ..state import state


@click.command("sweep")
@click.option(
    "--batch", default=housekeeping.BATCH, show_default=True, type=click.IntRange(1, 10_000)
)
@click.option(
    "--max-batches",
    default=housekeeping.MAX_BATCHES,
    show_default=True,
    type=click.IntRange(1),
    help="Per sweep; the next run goes on where this one stopped.",
)
@with_appcontext
def sweep(batch: int, max_batches: int) -> None:
    """Remove what is past its time, in bounded batches (safe on every host at once), by the
    database's clock: a host whose own clock runs ahead must not sweep early for the others."""
    try:
        swept = housekeeping.sweep_by_the_databases_clock(state().settings, batch, max_batches)
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
    for one in swept:
        if one.failed:
            more = f" (stopped: {one.failed})"
        else:
            more = "" if one.finished else f" (stopped after {max_batches} batches; more left)"
        click.echo(f"{one.what}: {one.removed} removed{more}")
    if any(one.failed for one in swept):
        raise click.ClickException("some sweeps stopped; the next run goes on")
