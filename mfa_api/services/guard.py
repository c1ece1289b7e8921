"""Account defence: counters of consecutive failures that slow attempts down, lock the second
factor, and are reset only by a success or an admin (NIST SP 800-63B 5.2.2, RFC 4226 7.3).

A check has three steps (django-otp's shape): reserve the attempt, evaluate the guess, record
the outcome. An attempt that may not be evaluated yet is refused (429 with Retry-After, or 423
once locked) and counts for nothing. A reservation counts the attempt as failed up front, with
a conditional write that only one racing request wins, so N concurrent wrong guesses never
evaluate more than the counters allow; a success then clears the account's counters.

Counters are keyed by the email as stored (the canonical identity, for accounts and for emails
that have none alike, so that back-off says nothing about which emails exist).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ..errors import Locked, TooManyAttempts
from ..security import crypto
from ..store import attempts
from ..store.attempts import Counter
from . import audit, notifications
from .context import Context

PASSWORD = "password"  # noqa: S105 - a scope: an account's password failures, any client
PASSWORD_CLIENT = "password-client"  # noqa: S105 - one client's password failures on an account
SECOND_FACTOR = "second-factor"  # code failures from clients that proved the password
CODE = "code"  # the tries at one code that has no row of its own (a phone's, say)
CODE_CLIENT = "code-client"  # one client that did not prove the password, guessing one code
CODE_OTHERS = "code-others"  # every such client together, on an account

LOCKED = (
    "Too many failed codes: two-step sign-in is locked for this account. Unlock it with the "
    "token we emailed, or ask an administrator."
)
CODE_WORN_OUT = "Too many failed attempts; request a new code"
RACE_ROUNDS = 100  # a reservation lost to a concurrent one is retried; each round one wins
SWEEP_ONE_IN = 64  # new counters between two sweeps (of those untouched for the retention)


@dataclass(frozen=True)
class Gate:
    """One counter an attempt must pass: back off after some failures, refuse after others."""

    scope: str
    subject: str
    backoff_after: int | None
    stop_after: int | None


@dataclass(frozen=True)
class _Taken:
    gate: Gate
    seen: Counter | None
    next_at: int
    failures: int


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt against an account (an email): the counters it was counted on."""

    email: str
    password: bool
    taken: tuple[_Taken, ...]


def password_attempt(ctx: Context, email: str) -> Attempt:
    """Reserve a password check: per client, and per account past a higher ceiling."""
    s = ctx.settings
    return _reserve(
        ctx,
        email,
        password=True,
        gates=(
            Gate(PASSWORD_CLIENT, _client_subject(ctx, email), s.backoff_after, None),
            Gate(PASSWORD, email, s.account_backoff_after, None),
        ),
    )


def second_factor_attempt(ctx: Context, email: str, code_tag: str | None = None) -> Attempt:
    """Reserve a second-factor check by a client that proved the password (or holds a token).

    With code_tag, the one code it names (one with no row of its own to count on) also allows
    only MAX_FAILED_ATTEMPTS tries.
    """
    s = ctx.settings
    gates = [Gate(SECOND_FACTOR, email, s.backoff_after, s.lock_after)]
    if code_tag is not None:
        gates.append(Gate(CODE, f"{email}|{code_tag}", None, s.max_failed_attempts))
    return _reserve(ctx, email, password=False, gates=tuple(gates))


def unproven_code_attempt(ctx: Context, email: str, code_tag: str) -> Attempt:
    """Reserve a guess at a mailed code by a client that did not ask for it.

    Counted against that client (a few guesses per code) and all such clients together (a
    higher ceiling, then back-off), never toward the account's lock: guessing from elsewhere
    cannot kill the code the user's own client is about to send.
    """
    ensure_not_locked(ctx, email)
    s = ctx.settings
    per_client = Gate(
        CODE_CLIENT, f"{email}|{code_tag}|{ctx.client.ip}", None, s.max_failed_attempts
    )
    together = Gate(CODE_OTHERS, email, s.account_backoff_after, None)
    return _reserve(ctx, email, password=False, gates=(per_client, together))


def ensure_not_locked(ctx: Context, email: str) -> None:
    """423 when the account's second factor is locked."""
    counter = attempts.find(SECOND_FACTOR, email)
    if counter is not None and counter.failures >= ctx.settings.lock_after:
        raise Locked(LOCKED)


def release(attempt: Attempt) -> None:
    """Give a reservation back: the attempt was refused before its guess was evaluated."""
    for taken in reversed(attempt.taken):
        attempts.restore(taken.gate.scope, taken.gate.subject, taken.seen, taken.next_at)


def succeeded(attempt: Attempt) -> None:
    """A right guess: the account's counters of that kind start again from zero."""
    for taken in attempt.taken:
        if taken.gate.scope in (CODE, CODE_CLIENT, PASSWORD_CLIENT):
            attempts.clear(taken.gate.scope, taken.gate.subject)
    account_scopes = (PASSWORD,) if attempt.password else (SECOND_FACTOR, CODE_OTHERS)
    for scope in account_scopes:
        attempts.clear(scope, attempt.email)


def failed(ctx: Context, attempt: Attempt, user_id: int | None, event: str, **detail) -> None:
    """Record a wrong guess (already counted by its reservation); 423 if it locked the account."""
    audit.record(ctx, user_id, event, **detail)
    slowest = max(attempt.taken, key=lambda t: t.next_at)
    if slowest.next_at > ctx.now:
        audit.record(
            ctx,
            user_id,
            audit.BACKOFF,
            counter=slowest.gate.scope,
            failures=slowest.failures,
            seconds=slowest.next_at - ctx.now,
        )
    for taken in attempt.taken:
        if taken.gate.scope == SECOND_FACTOR and taken.failures == ctx.settings.lock_after:
            _lock(ctx, attempt.email, user_id, taken.failures)
            raise Locked(LOCKED)


def _lock(ctx: Context, email: str, user_id: int | None, failures: int) -> None:
    token = secrets.token_urlsafe(32)
    attempts.set_unlock_hash(SECOND_FACTOR, email, _unlock_hash(ctx, token))
    audit.record(ctx, user_id, audit.LOCKED, failures=failures)
    notifications.send_lock_notice(ctx.mailer, email, token, ctx.settings.unlock_url)


def unlock_with_token(ctx: Context, token: str) -> str | None:
    """Unlock the account the mailed token belongs to (once); its email, or None."""
    counter = attempts.take_by_unlock_hash(_unlock_hash(ctx, token))
    if counter is None:
        return None
    attempts.clear(CODE_OTHERS, counter.subject)
    return counter.subject


def unlock(email: str) -> None:
    """Clear every counter of an account's own (an administrator's unlock)."""
    for scope in (SECOND_FACTOR, CODE_OTHERS, PASSWORD):
        attempts.clear(scope, email)


def forget(email: str) -> None:
    """Drop every counter of an email and of its clients (the account is deleted)."""
    attempts.clear_subject(email)


def counters_of(email: str) -> list[Counter]:
    """Every counter of an email and of its clients."""
    return attempts.for_subject(email)


def _reserve(ctx: Context, email: str, *, password: bool, gates: tuple[Gate, ...]) -> Attempt:
    taken: list[_Taken] = []
    try:
        for gate in gates:
            taken.append(_reserve_one(ctx, gate))
    except (TooManyAttempts, Locked):
        release(Attempt(email, password, tuple(taken)))
        raise
    return Attempt(email, password, tuple(taken))


def _reserve_one(ctx: Context, gate: Gate) -> _Taken:
    for _ in range(RACE_ROUNDS):
        seen = attempts.find(gate.scope, gate.subject)
        failures = seen.failures if seen else 0
        if gate.stop_after is not None and failures >= gate.stop_after:
            raise Locked(LOCKED) if gate.scope == SECOND_FACTOR else TooManyAttempts(CODE_WORN_OUT)
        if seen is not None and seen.next_attempt_at > ctx.now:
            raise _backed_off(seen.next_attempt_at - ctx.now)
        next_at = ctx.now + delay(ctx, gate.backoff_after, failures + 1)
        if attempts.advance(gate.scope, gate.subject, seen, next_at, ctx.now):
            if seen is None and secrets.randbelow(SWEEP_ONE_IN) == 0:
                attempts.sweep(ctx.now - ctx.settings.events_retention_seconds)
            return _Taken(gate, seen, next_at, failures + 1)
    raise _backed_off(1)


def delay(ctx: Context, backoff_after: int | None, failures: int) -> int:
    """Seconds to wait after this many consecutive failures: none below the threshold, then
    doubling from BACKOFF_BASE_SECONDS up to BACKOFF_MAX_SECONDS."""
    if backoff_after is None or failures < backoff_after:
        return 0
    s = ctx.settings
    return min(
        s.backoff_max_seconds, s.backoff_base_seconds * 2 ** min(failures - backoff_after, 40)
    )


def _backed_off(seconds: int) -> TooManyAttempts:
    wait = max(1, seconds)
    return TooManyAttempts(
        f"Too many failed attempts; try again in {wait} seconds", retry_after=wait
    )


def _client_subject(ctx: Context, email: str) -> str:
    return f"{email}|{ctx.client.ip}"


def _unlock_hash(ctx: Context, token: str) -> str:
    return crypto.keyed_hash(ctx.settings.unlock_key, token)
