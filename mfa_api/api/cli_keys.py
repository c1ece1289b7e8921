"""`flask gen-key` and `flask rotate-keys`: the encryption key ring, from an operator's shell."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..security import crypto
from ..services.flows import keys
from ..state import state
from .common import now


@click.command("gen-key")
def gen_key() -> None:
    """Print a new key for ENCRYPTION_KEYS (put it first; keep the older ones after it)."""
    click.echo(crypto.new_fernet_key())


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-encrypt every sealed secret under the newest key of ENCRYPTION_KEYS (safe to rerun)."""
    unreadable = 0
    for tally in keys.rotate_all(state().settings, now()):
        if tally.skipped:
            click.echo(f"{tally.where}: skipped ({tally.skipped})")
            continue
        click.echo(
            f"{tally.where}: {tally.rotated} re-encrypted, {tally.current} already under the "
            f"newest key, {tally.unreadable} unreadable"
        )
        unreadable += tally.unreadable
    if unreadable:
        click.echo("Some values no key opens (see the log): add the key they were written with.")
        sys.exit(1)
