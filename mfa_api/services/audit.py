"""The audit trail: every security-relevant thing that happens to an account, recorded once."""

from __future__ import annotations

from ..db import atomically
from ..metrics import SECOND_FACTORS, SECURITY_EVENTS
from ..store import events
from ..store.events import Event
from . import webhooks
from .context import Context

LOGIN_SUCCEEDED = "login_succeeded"
LOGIN_FAILED = "login_failed"
PASSWORD_FAILED = "password_failed"  # noqa: S105 - an event name
SECOND_FACTOR_SUCCEEDED = "second_factor_succeeded"
SECOND_FACTOR_FAILED = "second_factor_failed"
BACKOFF = "backoff"
LOCKED = "locked"
UNLOCKED = "unlocked"
SIGNUPS_STOPPED = "signups_stopped"
REGISTERED = "registered"
TWOFA_ENABLED = "twofa_enabled"
TWOFA_DISABLED = "twofa_disabled"
BACKUP_CODES_GENERATED = "backup_codes_generated"
BACKUP_CODE_USED = "backup_code_used"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
PHONE_VERIFIED = "phone_verified"
TOKENS_REVOKED = "tokens_revoked"  # noqa: S105 - an event name
ACCOUNT_DELETED = "account_deleted"
ADMIN_VIEWED = "admin_viewed"
DEVICE_REMEMBERED = "device_remembered"
DEVICE_FORGOTTEN = "device_forgotten"
PASSKEY_ADDED = "passkey_added"
PASSKEY_REMOVED = "passkey_removed"
PASSKEY_CLONE_SUSPECTED = "passkey_clone_suspected"
ADMIN_API_CALL = "admin_api_call"  # under no user: the key's id and name, the route, the status

# Every event the trail records (and webhooks may ask for).
EVENTS = (
    LOGIN_SUCCEEDED,
    LOGIN_FAILED,
    PASSWORD_FAILED,
    SECOND_FACTOR_SUCCEEDED,
    SECOND_FACTOR_FAILED,
    BACKOFF,
    LOCKED,
    UNLOCKED,
    SIGNUPS_STOPPED,
    REGISTERED,
    TWOFA_ENABLED,
    TWOFA_DISABLED,
    BACKUP_CODES_GENERATED,
    BACKUP_CODE_USED,
    PASSWORD_CHANGED,
    PHONE_VERIFIED,
    TOKENS_REVOKED,
    ACCOUNT_DELETED,
    ADMIN_VIEWED,
    DEVICE_REMEMBERED,
    DEVICE_FORGOTTEN,
    PASSKEY_ADDED,
    PASSKEY_REMOVED,
    PASSKEY_CLONE_SUSPECTED,
    ADMIN_API_CALL,
)
MAX_LISTED = 200


def record(ctx: Context, user_id: int | None, event: str, **detail) -> None:
    """Count an event, and write it for a user (none for an email that has no account)."""
    _count(event, detail)
    if user_id is not None:
        _write(ctx, user_id, event, detail or None)


def record_deletion(ctx: Context, user_id: int, *, by: str, email: str | None = None) -> None:
    """Write that an account was deleted: with its trail gone, under no user (the id kept in
    the detail), so that a later account given the same id never reads it. (The email, gone
    with the account, goes to webhooks only.)"""
    _count(ACCOUNT_DELETED, {})
    _write(ctx, None, ACCOUNT_DELETED, {"user_id": user_id, "by": by}, email)


def record_unowned(ctx: Context, event: str, **detail) -> None:
    """Count and write an event that is no account's own (an admin API call)."""
    _count(event, detail)
    _write(ctx, None, event, detail or None)


def _count(event: str, detail: dict) -> None:
    """Count the event in the metrics, and a second factor's outcome: a failure, a step-up's
    success, or a login finished with more than the password."""
    SECURITY_EVENTS.labels(event).inc()
    if event == SECOND_FACTOR_FAILED:
        SECOND_FACTORS.labels("failure").inc()
    elif event == SECOND_FACTOR_SUCCEEDED or (
        event == LOGIN_SUCCEEDED and detail.get("factor", "password") != "password"
    ):
        SECOND_FACTORS.labels("success").inc()


def _write(
    ctx: Context, user_id: int | None, event: str, detail: dict | None, email: str | None = None
) -> None:
    """Append the event as the calling client's (`flask sweep` drops it after the retention),
    and, in the same transaction, a webhook delivery for each endpoint that asked for it."""

    def append() -> None:
        events.record(
            user_id=user_id,
            event=event,
            ip=ctx.client.ip,
            user_agent=ctx.client.user_agent,
            request_id=ctx.client.request_id,
            at=ctx.now,
            detail=detail,
        )
        if endpoints:
            who = user_id if user_id is not None else (detail or {}).get("user_id")
            webhooks.enqueue(ctx, endpoints, event, who, detail, email)

    endpoints = webhooks.subscribers(event)
    if endpoints:
        atomically(append)
    else:
        append()


def recent(user_id: int, limit: int, ctx: Context) -> list[Event]:
    """The user's events within the retention, newest first (at most MAX_LISTED)."""
    since = ctx.now - ctx.settings.events_retention_seconds
    return events.recent(user_id, since, max(1, min(limit, MAX_LISTED)))
