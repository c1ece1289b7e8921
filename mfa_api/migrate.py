"""The versioned schema: `init-db` applies the files of mfa_api/sql/<dialect>/ not yet applied.

Safe to run again. MySQL commits each DDL statement on its own, so a run cut off halfway can
leave part of a file applied; re-running skips what already exists (duplicate column, key or
table) instead of failing on it.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .db import Database, DatabaseUnavailable, connect
from .migrate_steps import DROP_UNREADABLE_BACKUP_CODES, STEPS, UpgradeRefused
from .redis_client import redis_error
from .state import state

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent / "sql"

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version "
    "(version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)"
)


def split_statements(script: str) -> list[str]:
    """The statements of an SQL script, comments dropped (no `;` may sit inside a literal)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


@functools.cache
def migrations(dialect: str) -> list[tuple[int, str, Path]]:
    """(version, name, path) of every migration file for a dialect, in order."""
    found = []
    for path in sorted((SQL_DIR / dialect).glob("*.sql")):
        match = re.match(r"(\d+)_(.+)\.sql$", path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


def applied_versions(db: Database) -> set[int]:
    """The schema versions already applied to this database."""
    db.execute(_VERSION_TABLE)
    return {row["version"] for row in db.fetch_all("SELECT version FROM schema_version")}


def pending(db: Database) -> list[str]:
    """The migrations this database lacks (every one before the first init-db); reads only."""
    if db.dialect == "sqlite":
        probe = "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        probe = (
            "SELECT COUNT(*) AS n FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = ?"
        )
    applied = set()
    if db.fetch_one(probe, ("schema_version",))["n"]:
        applied = {row["version"] for row in db.fetch_all("SELECT version FROM schema_version")}
    return [
        f"{version:03d}_{name}"
        for version, name, _ in migrations(db.dialect)
        if version not in applied
    ]


def upgrade(db: Database, now: int | None = None, config: Mapping | None = None) -> list[str]:
    """Apply every missing migration in order (with its Python step, which may need config's
    keys); return the names applied."""
    done = applied_versions(db)
    applied = []
    with _foreign_keys_off(db):
        for version, name, path in migrations(db.dialect):
            if version in done:
                continue
            with db.transaction():
                for statement in split_statements(path.read_text()):
                    db.apply_ddl(statement)
                if version in STEPS:
                    STEPS[version](db, config or {})
                db.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, int(now if now is not None else time.time())),
                )
            applied.append(f"{version:03d}_{name}")
    return applied


@contextmanager
def _foreign_keys_off(db: Database) -> Iterator[None]:
    """SQLite rebuilds a table by copy, drop and rename: its foreign keys must be off meanwhile
    (dropping the old table would cascade), and must still hold afterwards."""
    if db.dialect != "sqlite":
        yield
        return
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = db.fetch_all("PRAGMA foreign_key_check", ())
        if broken:
            raise RuntimeError(f"the upgrade broke foreign keys: {broken[:5]}")
    finally:
        db.execute("PRAGMA foreign_keys = ON")


@click.command("init-db")
@click.option(
    "--drop-unreadable-backup-codes",
    is_flag=True,
    help="Drop the backup codes whose copy no configured key opens (the key they were written "
    "with is lost: they could not be used anyway) instead of stopping the upgrade.",
)
@with_appcontext
def init_db_command(drop_unreadable_backup_codes: bool) -> None:
    """Create the schema, or upgrade an existing one (an mfa-php database included) in place."""
    try:
        db = connect(state().values.database_url)
    except DatabaseUnavailable as exc:  # one line (Unknown database 'x', refused…), no traceback
        raise click.ClickException(f"cannot reach the database: {exc.__cause__}") from exc
    try:
        config = {**current_app.config, DROP_UNREADABLE_BACKUP_CODES: drop_unreadable_backup_codes}
        applied = upgrade(db, config=config)
        if "005_revoked_tokens" in applied:
            _carry_revocations_from_redis(db)
    except UpgradeRefused as exc:
        raise click.ClickException(f"the upgrade stopped: {exc}") from exc
    finally:
        db.close()
    if applied:
        click.echo("Applied: " + ", ".join(applied))
    else:
        click.echo("The schema is up to date.")


def _carry_revocations_from_redis(db: Database) -> None:
    """Token ids revoked before 005 lived in Redis on installs that had it: copy them into
    revoked_tokens, so that the upgrade revives none of them."""
    made = state()
    client = made.redis
    if client is None:
        return
    prefix = made.values.redis_prefix + "deny:"
    try:
        for key in client.scan_iter(match=prefix + "*"):
            expires_at = int(json.loads(client.get(key) or "{}").get("exp", 0))
            jti = key[len(prefix) :]
            if expires_at and not db.fetch_one(
                "SELECT 1 AS x FROM revoked_tokens WHERE jti = ?", (jti,)
            ):
                db.execute(
                    "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)", (jti, expires_at)
                )
            client.delete(key)
    except redis_error() as exc:
        click.echo(
            f"Warning: Redis unreachable ({exc}): tokens logged out in the last hour work again "
            "until they expire (run flask users revoke-tokens for any account concerned)."
        )


def init_migrations(app: Flask) -> None:
    """Add the init-db command to the app's CLI."""
    app.cli.add_command(init_db_command)
