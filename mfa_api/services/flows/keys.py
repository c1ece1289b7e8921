"""The encryption key ring: moving every sealed secret to its newest key (`flask rotate-keys`),
in batches, restartable, without disturbing a value changed meanwhile."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, MultiFernet

from ...config import Settings
from ...security import crypto
from ...store import sealed
from ...store.ephemeral import ephemeral

log = logging.getLogger(__name__)

BATCH = 500
SETUP_PREFIX = "setup:"  # pending 2FA setups (services.flows.enrolment), each holding a sealed seed


@dataclass
class Tally:
    """What rotation did to one place that holds sealed secrets."""

    where: str
    rotated: int = 0
    current: int = 0
    unreadable: int = 0
    skipped: str | None = None


def rotate_all(settings: Settings, now: int) -> list[Tally]:
    """Re-encrypt every sealed secret (and encrypt the plain ones) under the newest key."""
    tallies = [_rotate_column(column, settings) for column in sealed.SEALED_COLUMNS]
    tallies.append(_rotate_setups(settings, now))
    return tallies


def _resealed(ring: MultiFernet, newest: Fernet, value: str) -> str | None:
    """value under the newest key, or None when it is there already (UnreadableSecret if no
    key opens it)."""
    if crypto.under_newest(ring, newest, value):
        return None
    return crypto.encrypt(ring, crypto.decrypt(ring, value))


def _rotate_column(column: sealed.SealedColumn, settings: Settings) -> Tally:
    tally = Tally(f"{column.table}.{column.column}")
    ring, newest = settings.secret_cipher, settings.secret_newest
    if ring is None:
        tally.skipped = "no encryption key set: TOTP seeds stay in plain text"
        return tally
    after = 0
    while rows := sealed.batch(column, after, BATCH):
        for row_key, value in rows:
            _move(
                tally,
                ring,
                newest,
                value,
                f"{column.table} {column.key} {row_key}",
                lambda new, k=row_key, v=value: sealed.swap(column, k, v, new),
            )
        after = rows[-1][0]
    return tally


def _rotate_setups(settings: Settings, now: int) -> Tally:
    tally = Tally("pending 2FA setups")
    ring, newest = settings.secret_cipher, settings.secret_newest
    if ring is None:
        tally.skipped = "no encryption key set: TOTP seeds stay in plain text"
        return tally
    store = ephemeral()
    for key, raw in store.items(SETUP_PREFIX, now):
        record = json.loads(raw)

        def write(new: str, key=key, raw=raw, record=record) -> bool:
            return store.swap(key, raw, json.dumps({**record, "secret": new}))

        _move(tally, ring, newest, record["secret"], f"ephemeral {key}", write)
    return tally


def _move(
    tally: Tally,
    ring: MultiFernet,
    newest: Fernet,
    value: str,
    where: str,
    write: Callable[[str], bool],
) -> None:
    """Move one value to the newest key with write(new) (False: it changed meanwhile)."""
    try:
        new = _resealed(ring, newest, value)
    except crypto.UnreadableSecret:
        log.error("Cannot read the secret in %s: no key of the ring opens it", where)
        tally.unreadable += 1
        return
    if new is None:
        tally.current += 1
    elif write(new):
        tally.rotated += 1
    else:
        tally.current += 1  # rewritten meanwhile, by a write that used the newest key
