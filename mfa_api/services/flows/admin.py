"""What an administrator may do to an account, each written to its audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from ...db import atomically
from ...errors import NotFound
from ...security.addresses import canonical_email
from ...store import attempts, backup_codes, users
from ...store.attempts import Counter
from ...store.events import Event
from ...store.users import User
from .. import audit
from ..context import Context
from ..defence import lockout
from . import account, enrolment, phone


@dataclass(frozen=True)
class Summary:
    """An account as an administrator sees it: no secret, no code, no hash."""

    id: int
    names: str
    email: str
    phone: str
    phone_verified: bool
    twofa_enabled: bool
    token_version: int
    backup_codes_left: int
    second_factor_locked: bool
    counters: list[Counter]


def user_by_email(email: str) -> User:
    """The user with this email (as typed by the admin, normalised), else NotFound."""
    user = users.find_by_email(canonical_email(email))
    if user is None:
        raise NotFound(f"No user with the email {email!r}")
    return user


def show(email: str, ctx: Context) -> Summary:
    """The account's state and counters."""
    user = user_by_email(email)
    counters = attempts.for_subject(user.email)
    locked = any(
        c.scope == attempts.SECOND_FACTOR and c.failures >= ctx.settings.lock_after
        for c in counters
    )
    audit.record(ctx, user.id, audit.ADMIN_VIEWED, what="summary")
    return Summary(
        id=user.id,
        names=user.names,
        email=user.email,
        phone=phone.mask(user.phone),
        phone_verified=user.verified_phone is not None,
        twofa_enabled=user.twofa_enabled,
        token_version=user.token_version,
        backup_codes_left=backup_codes.count_unused(user.id),
        second_factor_locked=locked,
        counters=counters,
    )


def unlock(email: str, ctx: Context) -> None:
    """Clear the failure counters of an email (its lock included), with an account or not."""
    lockout.unlock_by_admin(canonical_email(email), ctx)


def reset_2fa(email: str, ctx: Context) -> None:
    """Turn 2FA off for a user who lost every factor; every token of theirs stops working."""
    user = user_by_email(email)
    atomically(lambda: users.disable_twofa_and_codes(user.id))
    enrolment.forget_setup(user.id)
    audit.record(ctx, user.id, audit.TWOFA_DISABLED, by="admin")
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="admin")


def revoke_tokens(email: str, ctx: Context) -> None:
    """Make every token of the user stop working."""
    user = user_by_email(email)
    users.revoke_tokens(user.id)
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="admin")


def delete(email: str, ctx: Context) -> None:
    """Delete the user and everything of theirs."""
    account.remove(user_by_email(email), ctx, by="admin")


def events(email: str, limit: int, ctx: Context) -> list[Event]:
    """The user's latest events, newest first."""
    user = user_by_email(email)
    found = audit.recent(user.id, limit, ctx)
    audit.record(ctx, user.id, audit.ADMIN_VIEWED, what="events")
    return found
