"""A locked second factor: the lock and its one notice, and the ways to lift it (the token that
notice carries, or an administrator)."""

from __future__ import annotations

import secrets

from ...errors import InvalidInput, Locked
from ...security import crypto
from ...store import attempts, users
from ...store.attempts import CODE_OTHERS, PASSWORD, SECOND_FACTOR, SIGNUP
from .. import audit, notifications
from ..context import Context

LOCKED = (
    "Too many failed codes: two-step sign-in is locked for this account. Unlock it with the "
    "token we emailed, or ask an administrator."
)
INVALID_TOKEN = "Invalid or already used unlock token"  # noqa: S105 - a message
SIGNUPS_STOPPED = (
    "Too many wrong codes for this email's sign-up: no more are checked until its owner uses "
    "the token we emailed"
)
SIGNUPS_REOPENED = "Codes for a sign-up with your address may be tried again."


def ensure_not_locked(ctx: Context, email: str) -> None:
    """423 when the account's second factor is locked."""
    counter = attempts.find(SECOND_FACTOR, email)
    if counter is not None and counter.failures >= ctx.settings.lock_after:
        if counter.unlock_hash is None:  # LOCK_AFTER was lowered below it meanwhile
            lock(ctx, email, counter.failures)
        raise Locked(LOCKED)


def lock(ctx: Context, email: str, failures: int) -> None:
    """Lock the account's second factor: the first caller sets the token and mails the notice."""
    token = secrets.token_urlsafe(32)
    if not attempts.lock_once(SECOND_FACTOR, email, _token_hash(token)):
        return  # locked already: one notice per lock
    user = users.find_by_email(email)
    audit.record(ctx, user.id if user else None, audit.LOCKED, failures=failures)
    notifications.send_lock_notice(ctx.mailer, email, token, *_unlock_at(ctx))


def _unlock_at(ctx: Context) -> tuple[str | None, str]:
    """Where a mailed unlock token goes: UNLOCK_URL's page, else the face's API call."""
    return ctx.settings.unlock_url, ctx.links.unlock


def stop_signups(ctx: Context, email: str, failures: int) -> None:
    """Stop checking an email's sign-up codes: the first caller sets the token that lifts the
    stop and mails it to the address (whose owner alone can read it)."""
    token = secrets.token_urlsafe(32)
    if not attempts.lock_once(SIGNUP, email, _token_hash(token)):
        return  # stopped already: one notice per stop
    audit.record(ctx, None, audit.SIGNUPS_STOPPED, failures=failures)
    notifications.send_signup_stop_notice(ctx.mailer, email, token, *_unlock_at(ctx))


def unlock_with_token(token: str, ctx: Context) -> None:
    """Lift the lock (or sign-up stop) the token was mailed for (once); 400 when it is wrong or
    used."""
    counter = attempts.take_by_unlock_hash(_token_hash(token))
    if counter is None:  # mailed before the unkeyed hash, under the key of that time
        legacy = crypto.keyed_hash(ctx.settings.legacy_unlock_key, token)
        counter = attempts.take_by_unlock_hash(legacy)
    if counter is None:
        raise InvalidInput(INVALID_TOKEN)
    if counter.scope == SIGNUP:
        audit.record(ctx, None, audit.UNLOCKED, by="token", what="signup")
        notifications.send_notice(ctx.mailer, counter.subject, SIGNUPS_REOPENED)
        return
    attempts.clear(CODE_OTHERS, counter.subject)
    _unlocked(counter.subject, ctx, by="token")


def unlock_by_admin(email: str, ctx: Context) -> None:
    """Clear every counter of the account's own, locked or not (an email without an account
    too: a pending sign-up's)."""
    for scope in (SECOND_FACTOR, CODE_OTHERS, PASSWORD, SIGNUP):
        attempts.clear(scope, email)
    _unlocked(email, ctx, by="admin")


def _unlocked(email: str, ctx: Context, *, by: str) -> None:
    user = users.find_by_email(email)
    audit.record(ctx, user.id if user else None, audit.UNLOCKED, by=by)
    notifications.send_notice(ctx.mailer, email, notifications.UNLOCKED)


def _token_hash(token: str) -> str:
    """The hash a mailed unlock token is stored by: unkeyed (256 random bits need no key: see
    crypto.random_token_hash), so that the link still unlocks after SECRET_KEY changed."""
    return crypto.random_token_hash("unlock-token", token)
