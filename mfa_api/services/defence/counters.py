"""Account defence: counters of consecutive failures that slow attempts down, lock the second
factor, and are reset only by a success or an admin (NIST SP 800-63B 5.2.2, RFC 4226 7.3).

A check has three steps (django-otp's shape): reserve the attempt, evaluate the guess, record
the outcome. An attempt that may not be evaluated yet is refused (429 with Retry-After, or 423
once locked) and counts for nothing. A reservation counts the attempt as failed up front, with
a conditional write that only one racing request wins, so N concurrent wrong guesses never
evaluate more than the counters allow; a success then clears the account's counters.

Counters are keyed by the email as stored (the canonical identity, for accounts and for emails
that have none alike, so that back-off says nothing about which emails exist), and by client
(an IP; an IPv6 /64) within it. No client adds more than BACKOFF_AFTER failures to an account's
counter, so one client alone can never slow the account for others.

A client that has proved nothing (not the password, not the sign-up it guesses at) never makes
anyone else wait: wrong passwords back off per client only, and the account-wide count of them
only tells the owner; a sign-up's codes are capped, not slowed, for everyone together, and the
owner (who has the mailbox) lifts the cap with the token mailed when it is reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import Locked, TooManyAttempts
from ...store import attempts
from ...store.attempts import (
    CODE,
    CODE_CLIENT,
    CODE_OTHERS,
    PASSWORD,
    PASSWORD_CLIENT,
    SECOND_FACTOR,
    SIGNUP,
    SIGNUP_CLIENT,
    Counter,
)
from .. import audit, notifications
from ..context import Context
from . import lockout

CODE_WORN_OUT = "Too many failed attempts; request a new code"
OTHERS_STOPPED = (
    "Too many failed attempts from elsewhere; enter the code on the device that asked for it"
)
RACE_ROUNDS = 100  # a reservation lost to a concurrent one is retried; each round one wins


@dataclass(frozen=True)
class Gate:
    """One counter an attempt must pass: back off after some failures, refuse after others.

    A shared gate (an account's) counts a client's failure only while that client's own gate,
    just before it, is below its back-off threshold.
    """

    scope: str
    subject: str
    backoff_after: int | None
    stop_after: int | None
    shared: bool = False


@dataclass(frozen=True)
class _Taken:
    gate: Gate
    seen: Counter | None
    next_at: int
    failures: int
    counted: bool


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt against an account (an email): the counters it was counted on."""

    email: str
    kind: str  # "password", "second_factor" or "signup"
    taken: tuple[_Taken, ...]


def password_attempt(ctx: Context, email: str) -> Attempt:
    """Reserve a password check: backed off per client; counted per account (never a wait for
    others: the owner is mailed at ACCOUNT_BACKOFF_AFTER), where a client that recently logged
    in to this account does not count."""
    s = ctx.settings
    own = Gate(PASSWORD_CLIENT, _client_subject(ctx, email), s.backoff_after, None)
    account = Gate(PASSWORD, email, None, None, shared=True)
    if _known_client(ctx, own):
        return _reserve(ctx, email, "password", (own,))
    return _reserve(ctx, email, "password", (own, account))


def second_factor_attempt(ctx: Context, email: str, code_tag: str | None = None) -> Attempt:
    """Reserve a second-factor check by a client that proved the password (or holds a token).

    With code_tag, the one code it names (one with no row of its own to count on) also allows
    only MAX_FAILED_ATTEMPTS tries.
    """
    s = ctx.settings
    gates = [Gate(SECOND_FACTOR, email, s.backoff_after, s.lock_after)]
    if code_tag is not None:
        gates.append(Gate(CODE, f"{email}|{code_tag}", None, s.max_failed_attempts))
    return _reserve(ctx, email, "second_factor", tuple(gates))


def unproven_code_attempt(ctx: Context, email: str, code_tag: str) -> Attempt:
    """Reserve a guess at a mailed code by a client that did not ask for it.

    Counted against that client (a few guesses per code) and all such clients together (a
    higher ceiling, then back-off, then refusal until the account's next success), never
    toward the account's lock: guessing from elsewhere cannot kill the code the user's own
    client is about to send, nor lock the user out.
    """
    lockout.ensure_not_locked(ctx, email)
    s = ctx.settings
    own = Gate(CODE_CLIENT, f"{email}|{code_tag}|{ctx.client.key}", None, s.max_failed_attempts)
    others = Gate(CODE_OTHERS, email, s.account_backoff_after, s.lock_after, shared=True)
    return _reserve(ctx, email, "second_factor", (own, others))


def signup_attempt(ctx: Context, email: str, *, holder: bool) -> Attempt:
    """Reserve a guess at the codes of an email's pending sign-ups.

    Nothing proves a mailbox before its code does, so every client counts on its own (back-off
    that re-registering does not reset) and, all together, on the email. After
    ACCOUNT_BACKOFF_AFTER wrong guesses there, however many sign-ups and clients they were
    spread over, no new sign-up starts, and only a client that started a sign-up may still try
    its own code, MAX_FAILED_ATTEMPTS more times in all (so that strangers' guesses alone
    never stop the owner's own sign-up, and sign-ups opened in advance gain an attacker no
    more than that), until one succeeds or the owner uses the token then mailed. None of it
    toward the lock of the account the email may later have.
    """
    s = ctx.settings
    own = Gate(SIGNUP_CLIENT, _client_subject(ctx, email), s.backoff_after, None)
    cap = s.account_backoff_after + (s.max_failed_attempts if holder else 0)
    email_wide = Gate(SIGNUP, email, None, cap)
    return _reserve(ctx, email, "signup", (own, email_wide))


def ensure_signups_open(ctx: Context, email: str) -> None:
    """429 when the email's sign-up codes were guessed at too often: no new sign-up (and so no
    fresh code to guess at) until the owner uses the mailed token."""
    counter = attempts.find(SIGNUP, email)
    if counter is not None and counter.failures >= ctx.settings.account_backoff_after:
        raise TooManyAttempts(lockout.SIGNUPS_STOPPED)


def release(attempt: Attempt) -> None:
    """Give a reservation back: the attempt was refused before its guess was evaluated."""
    for taken in reversed(attempt.taken):
        if taken.counted:
            attempts.restore(taken.gate.scope, taken.gate.subject, taken.seen, taken.next_at)


def succeeded(ctx: Context, attempt: Attempt) -> None:
    """A right guess: the account's counters of that kind start again from zero; a client
    that got a password right is remembered as one of the account's own."""
    ctx.tally.evaluated += 1
    for taken in attempt.taken:
        if taken.gate.scope == PASSWORD_CLIENT:
            attempts.mark_success(taken.gate.scope, taken.gate.subject, ctx.now)
        elif taken.gate.scope in (CODE, CODE_CLIENT, SIGNUP_CLIENT):
            attempts.clear(taken.gate.scope, taken.gate.subject)
    account_scopes = {
        "password": (PASSWORD,),
        "second_factor": (SECOND_FACTOR, CODE_OTHERS),
        "signup": (SIGNUP,),
    }[attempt.kind]
    for scope in account_scopes:
        attempts.clear(scope, attempt.email)


def failed(ctx: Context, attempt: Attempt, user_id: int | None, event: str, **detail) -> None:
    """Record a wrong guess (already counted by its reservation); 423 if it locked the account.

    The user is mailed once when wrong codes start to be slowed down: whoever entered them knew
    the password, or is guessing from elsewhere.
    """
    ctx.tally.evaluated += 1
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
        if taken.counted:
            _consequences(ctx, attempt, taken, user_id)


def _consequences(ctx: Context, attempt: Attempt, taken: _Taken, user_id: int | None) -> None:
    """What a counted failure leads to: the owner told, a lock, a sign-up cap; counters of an
    email with no account forgotten soon."""
    scope, s = taken.gate.scope, ctx.settings
    if attempt.kind == "password" and user_id is None:
        attempts.backdate(scope, taken.gate.subject, _swept_soon(ctx))
    elif scope == PASSWORD and taken.failures == s.account_backoff_after:
        notifications.send_notice(ctx.mailer, attempt.email, notifications.PASSWORDS_GUESSED)
    elif scope in (SECOND_FACTOR, CODE_OTHERS):
        if taken.failures == taken.gate.backoff_after and user_id is not None:
            notifications.send_notice(ctx.mailer, attempt.email, notifications.CODES_GUESSED)
        if scope == SECOND_FACTOR and taken.failures >= s.lock_after:
            lockout.lock(ctx, attempt.email, taken.failures)
            raise Locked(lockout.LOCKED)
    elif scope == SIGNUP and taken.failures >= s.account_backoff_after:
        lockout.stop_signups(ctx, attempt.email, taken.failures)


def _swept_soon(ctx: Context) -> int:
    """A last-touched time that the sweep (after the retention) reaches once the longest wait
    has passed: counters of an email with no account protect nothing beyond their wait."""
    s = ctx.settings
    return ctx.now + s.backoff_max_seconds - s.events_retention_seconds


def _reserve(ctx: Context, email: str, kind: str, gates: tuple[Gate, ...]) -> Attempt:
    taken: list[_Taken] = []
    try:
        for gate in gates:
            count = not gate.shared or _still_counts(ctx, taken[-1])
            taken.append(_reserve_one(ctx, gate, count=count))
    except (TooManyAttempts, Locked):
        release(Attempt(email, kind, tuple(taken)))
        raise
    return Attempt(email, kind, tuple(taken))


def _still_counts(ctx: Context, client: _Taken) -> bool:
    """Whether a client's failure still adds to its account's counter (its first few only)."""
    threshold = client.gate.backoff_after or ctx.settings.max_failed_attempts
    return client.failures <= threshold


def _reserve_one(ctx: Context, gate: Gate, *, count: bool) -> _Taken:
    for _ in range(RACE_ROUNDS):
        seen = attempts.find(gate.scope, gate.subject)
        failures = seen.failures if seen else 0
        if gate.stop_after is not None and failures >= gate.stop_after:
            raise _stopped(ctx, gate, seen)
        if seen is not None and seen.next_attempt_at > ctx.now:
            raise _backed_off(seen.next_attempt_at - ctx.now)
        if not count:  # checked, not counted
            return _Taken(gate, seen, seen.next_attempt_at if seen else 0, failures, False)
        next_at = ctx.now + delay(ctx, gate.backoff_after, failures + 1)
        if attempts.advance(gate.scope, gate.subject, seen, next_at, ctx.now):
            return _Taken(gate, seen, next_at, failures + 1, True)
    raise _backed_off(1)


def _stopped(ctx: Context, gate: Gate, seen: Counter | None) -> Exception:
    if gate.scope == SECOND_FACTOR:
        if seen is not None and seen.unlock_hash is None:  # LOCK_AFTER was lowered meanwhile
            lockout.lock(ctx, gate.subject, seen.failures)
        return Locked(lockout.LOCKED)
    if gate.scope == CODE_OTHERS:
        return TooManyAttempts(OTHERS_STOPPED)
    if gate.scope == SIGNUP:
        return TooManyAttempts(lockout.SIGNUPS_STOPPED)
    return TooManyAttempts(CODE_WORN_OUT)


def delay(ctx: Context, backoff_after: int | None, failures: int) -> int:
    """Seconds to wait after this many consecutive failures: none below the threshold, then
    doubling from BACKOFF_BASE_SECONDS up to BACKOFF_MAX_SECONDS."""
    if backoff_after is None or failures < backoff_after:
        return 0
    s = ctx.settings
    doubled = s.backoff_base_seconds * 2 ** min(failures - backoff_after, 40)
    return min(s.backoff_max_seconds, doubled)


def _backed_off(seconds: int) -> TooManyAttempts:
    wait = max(1, seconds)
    message = f"Too many failed attempts; try again in {wait} seconds"
    return TooManyAttempts(message, retry_after=wait)


def _client_subject(ctx: Context, email: str) -> str:
    return f"{email}|{ctx.client.key}"


def _known_client(ctx: Context, own: Gate) -> bool:
    counter = attempts.find(own.scope, own.subject)
    recent = ctx.now - ctx.settings.known_client_seconds
    return counter is not None and (counter.succeeded_at or 0) >= recent
