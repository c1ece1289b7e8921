"""`flask api-keys ...`: the admin API's keys, made, listed and revoked from the host's shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services.flows import api_keys
from ..store.api_keys import ApiKey
from .cli import _errors_as_messages, _when
from .common import now

keys = AppGroup("api-keys", help="Keys of the admin API (/api/admin): create, list, revoke.")


@keys.command("create")
@click.option("--name", required=True, help="Who holds it (an application, a SIEM).")
@click.option(
    "--scopes",
    required=True,
    help=f"Separated by commas, of: {', '.join(api_keys.SCOPES)}.",
)
@click.option("--expires-days", type=click.IntRange(1, 3650), help="Stops working after.")
@_errors_as_messages
def create(name: str, scopes: str, expires_days: int | None) -> None:
    """Make a key and print it, once: only a hash of its secret is kept."""
    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    key, whole = api_keys.create(name, wanted, expires_days, now())
    click.echo(f"Key {key.id} ({key.name}: {', '.join(key.scopes)}); it is shown only now:")
    click.echo(whole)


@keys.command("list")
def listed() -> None:
    """Print every key: id, name, scopes, created, expires, last used, revoked."""
    found = api_keys.listed()
    if not found:
        click.echo("No keys: the admin API is off (answers 404).")
    for key in found:
        click.echo(_line(key))


def _line(key: ApiKey) -> str:
    def when(at: int | None) -> str:
        return _when(at) if at else "-"

    return (
        f"{key.id}  {key.name}  scopes={','.join(key.scopes)}  created={when(key.created_at)}  "
        f"expires={when(key.expires_at)}  last-used={when(key.last_used_at)}  "
        f"revoked={when(key.revoked_at)}"
    )


@keys.command("revoke")
@click.argument("key_id")
@_errors_as_messages
def revoke(key_id: str) -> None:
    """Make a key stop working at once (401 from its next request)."""
    api_keys.revoke(key_id, now())
    click.echo(f"Key {key_id} revoked.")
