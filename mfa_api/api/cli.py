"""`flask users ...`: an administrator's face on the accounts (each action is audited)."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from ..errors import ApiError
from ..parts import senders
from ..services.context import Client, Context
from ..services.flows import admin
from ..state import state
from .common import LINKS, now


def _context() -> Context:
    made = state()
    # "cli:": a colon no X-Request-Id from a client may hold, so no request passes for the CLI
    client = Client(ip="cli", user_agent="flask users", request_id="cli:" + secrets.token_hex(6))
    mailer, sms = senders(made)
    return Context(made.settings, now(), mailer, sms, client, links=LINKS)


def _errors_as_messages(command: Callable) -> Callable:
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ApiError as exc:
            raise click.ClickException(exc.message) from exc

    return run


def _when(at: int) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


users = AppGroup(
    "users", help="Look after accounts: show, unlock, reset-2fa, revoke-tokens, delete, events."
)


@users.command("show")
@click.argument("email")
@_errors_as_messages
def show(email: str) -> None:
    """Print an account's state and failure counters (never a secret)."""
    summary = admin.show(email, _context())
    verified = "verified" if summary.phone_verified else "not verified"
    click.echo(f"id:            {summary.id}")
    click.echo(f"names:         {summary.names}")
    click.echo(f"email:         {summary.email}")
    click.echo(f"phone:         {summary.phone} ({verified})")
    click.echo(f"2FA:           {'on' if summary.twofa_enabled else 'off'}")
    click.echo(f"backup codes:  {summary.backup_codes_left} unused")
    click.echo(f"token version: {summary.token_version}")
    click.echo(f"locked:        {'yes' if summary.second_factor_locked else 'no'}")
    for counter in summary.counters:
        wait = (
            f", next try after {_when(counter.next_attempt_at)}" if counter.next_attempt_at else ""
        )
        client = counter.subject[len(summary.email) :].lstrip("|")
        where = f" [{client}]" if client else ""
        click.echo(f"failures:      {counter.scope}{where}: {counter.failures}{wait}")


@users.command("unlock")
@click.argument("email")
@_errors_as_messages
def unlock(email: str) -> None:
    """Clear an account's failure counters, its second-factor lock included."""
    admin.unlock(email, _context())
    click.echo(f"Unlocked {email}.")


@users.command("reset-2fa")
@click.argument("email")
@_errors_as_messages
def reset_2fa(email: str) -> None:
    """Turn 2FA off for a user who lost every factor (they set it up again after logging in)."""
    admin.reset_2fa(email, _context())
    click.echo(f"2FA is off for {email}; every token of theirs stopped working.")


@users.command("revoke-tokens")
@click.argument("email")
@_errors_as_messages
def revoke_tokens(email: str) -> None:
    """Make every token of a user stop working."""
    admin.revoke_tokens(email, _context())
    click.echo(f"Every token of {email} stopped working.")


@users.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_errors_as_messages
def delete(email: str, yes: bool) -> None:
    """Delete a user and everything of theirs."""
    if not yes:
        click.confirm(f"Delete {email} and everything of theirs?", abort=True)
    admin.delete(email, _context())
    click.echo(f"Deleted {email}.")


@users.command("events")
@click.argument("email")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@_errors_as_messages
def events(email: str, limit: int) -> None:
    """Print a user's latest security events, newest first."""
    for event in admin.events(email, limit, _context()):
        detail = f" {event.detail}" if event.detail else ""
        click.echo(
            f"{_when(event.at)}  {event.event:<24} {event.ip:<15} {event.request_id}{detail}"
        )
