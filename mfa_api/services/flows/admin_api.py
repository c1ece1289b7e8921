"""What the admin API adds to the administrator's actions (services/admin.py): an account's
factors counted, every account's events as a stream a SIEM can follow, and each call audited
with the key that made it."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ...errors import InvalidInput
from ...store import devices, event_feed, passkeys
from ...store.api_keys import ApiKey
from ...store.event_feed import FeedEvent
from .. import audit
from ..context import Context
from . import admin
from .admin import Summary

MAX_PAGE = 1000
_LAST = 2**63 - 1  # an id after every id: a cursor that starts at a time


@dataclass(frozen=True)
class Account:
    """An account as the admin API shows it: the CLI's summary and what more it counts."""

    summary: Summary
    passkeys: int
    remembered_devices: int
    backoff_until: int | None
    created: str | None


@dataclass(frozen=True)
class Page:
    """A page of the stream, and the cursor to ask for the next one with."""

    events: list[FeedEvent]
    next_cursor: str


def account(email: str, ctx: Context) -> Account:
    """The account's state (audited as the CLI's `users show` is), its factors counted."""
    summary = admin.show(email, ctx)
    waits = [c.next_attempt_at for c in summary.counters if c.next_attempt_at > ctx.now]
    return Account(
        summary=summary,
        passkeys=len(passkeys.of_user(summary.id)),
        remembered_devices=len(devices.of_user(summary.id, summary.token_version, ctx.now)),
        backoff_until=max(waits, default=None),
        created=event_feed.created_at(summary.id),
    )


def unlock(email: str, ctx: Context) -> None:
    """The CLI's unlock (the owner is mailed), for an existing account only (else NotFound)."""
    admin.user_by_email(email)
    admin.unlock(email, ctx)


def feed(since: int | None, cursor: str | None, limit: int, ctx: Context) -> Page:
    """Every account's events after the cursor (else from since, else from the retention's
    start), oldest first, leaving out the youngest (ADMIN_EVENTS_LAG_SECONDS): an event
    carries its request's start time and commits later, so an older one may still come."""
    if since is None:
        since = ctx.now - ctx.settings.events_retention_seconds
    at, event_id = decode_cursor(cursor) if cursor is not None else (since - 1, _LAST)
    until = ctx.now - ctx.settings.admin_events_lag_seconds
    found = event_feed.after(at, event_id, until, max(1, min(limit, MAX_PAGE)))
    if found:
        at, event_id = found[-1].at, found[-1].id
    return Page(found, encode_cursor(at, event_id))


def encode_cursor(at: int, event_id: int) -> str:
    """An opaque cursor for the position (at, id)."""
    return base64.urlsafe_b64encode(f"{at}.{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    """The position a cursor encodes; 400 when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, event_id = (int(part) for part in text.split("."))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("Invalid cursor", errors={"cursor": ["Invalid cursor"]}) from exc
    return at, event_id


def record_call(ctx: Context, key: ApiKey, method: str, path: str, status: int, **detail) -> None:
    """Write one admin API call to the audit trail with its key's id and name (never its
    secret); the account actions it caused carry the same request id."""
    audit.record_unowned(
        ctx,
        audit.ADMIN_API_CALL,
        key_id=key.id,
        key_name=key.name,
        method=method,
        path=path,
        status=status,
        **detail,
    )
