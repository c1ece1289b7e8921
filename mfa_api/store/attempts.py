"""The `attempt_counters` table: consecutive failures of an account (or of one client against it),
and when the next attempt may be evaluated.

Every change is a conditional write that sees the counter exactly as its caller last read it, so
of several racing requests only one moves it from a given state: the race's single decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..db import IntegrityError, get_db

_COLUMNS = "scope, subject, failures, next_attempt_at, unlock_hash, succeeded_at"
SWEEP_BATCH = 100

# What a counter counts. Subjects are the email as stored, `email|client` for one client.
PASSWORD = "password"  # noqa: S105 - an account's wrong passwords, from any client
PASSWORD_CLIENT = "password-client"  # noqa: S105 - one client's, on an account
SECOND_FACTOR = "second-factor"  # an account's wrong codes from clients that proved the password
CODE = "code"  # the tries at one code that has no row of its own (a phone's)
CODE_CLIENT = "code-client"  # one client that did not ask for a code, guessing it
CODE_OTHERS = "code-others"  # every such client together, on an account
SIGNUP_CLIENT = "signup-client"  # one client's wrong codes on an email's pending sign-ups
SIGNUP = "signup"  # every client's together


@dataclass(frozen=True)
class Counter:
    """Failures counted against a subject (an email, or an email and a client) in one scope."""

    scope: str
    subject: str
    failures: int
    next_attempt_at: int
    unlock_hash: str | None
    succeeded_at: int | None


def find(scope: str, subject: str) -> Counter | None:
    """The counter, or None when nothing has failed (or it was cleared)."""
    row = get_db().fetch_one(
        f"SELECT {_COLUMNS} FROM attempt_counters WHERE scope = ? AND subject = ?",
        (scope, subject),
    )
    return None if row is None else Counter(**row)


def advance(scope: str, subject: str, seen: Counter | None, next_at: int, now: int) -> bool:
    """Count one more failure, if the counter is still as seen (None: absent); True if this call
    did it."""
    db = get_db()
    if seen is None:
        try:
            db.execute(
                "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, "
                "updated_at) VALUES (?, ?, 1, ?, ?)",
                (scope, subject, next_at, now),
            )
        except IntegrityError:
            return False  # another request created it first
        return True
    changed = db.execute(
        "UPDATE attempt_counters SET failures = ?, next_attempt_at = ?, updated_at = ? "
        "WHERE scope = ? AND subject = ? AND failures = ? AND next_attempt_at = ?",
        (seen.failures + 1, next_at, now, scope, subject, seen.failures, seen.next_attempt_at),
    )
    return changed == 1


def restore(scope: str, subject: str, seen: Counter | None, advanced_next_at: int) -> None:
    """Undo an advance (an attempt refused by a later check), unless the counter moved since."""
    db = get_db()
    where = "scope = ? AND subject = ? AND failures = ? AND next_attempt_at = ?"
    if seen is None:
        db.execute(
            f"DELETE FROM attempt_counters WHERE {where}", (scope, subject, 1, advanced_next_at)
        )
        return
    db.execute(
        f"UPDATE attempt_counters SET failures = ?, next_attempt_at = ? WHERE {where}",
        (
            seen.failures,
            seen.next_attempt_at,
            scope,
            subject,
            seen.failures + 1,
            advanced_next_at,
        ),
    )


def clear(scope: str, subject: str) -> None:
    """Forget the counter (a success, or an admin)."""
    get_db().execute(
        "DELETE FROM attempt_counters WHERE scope = ? AND subject = ?", (scope, subject)
    )


def backdate(scope: str, subject: str, updated_at: int) -> None:
    """Mark the counter last touched at updated_at, so that the sweep forgets it sooner."""
    get_db().execute(
        "UPDATE attempt_counters SET updated_at = ? WHERE scope = ? AND subject = ?",
        (updated_at, scope, subject),
    )


def mark_success(scope: str, subject: str, now: int) -> None:
    """Start the counter over and remember when its subject last succeeded."""
    db = get_db()
    reset = (
        "UPDATE attempt_counters SET failures = 0, next_attempt_at = 0, succeeded_at = ?, "
        "updated_at = ? WHERE scope = ? AND subject = ?"
    )
    if db.execute(reset, (now, now, scope, subject)) == 1:
        return
    try:
        db.execute(
            "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, "
            "succeeded_at, updated_at) VALUES (?, ?, 0, 0, ?, ?)",
            (scope, subject, now, now),
        )
    except IntegrityError:  # created meanwhile by a concurrent attempt
        db.execute(reset, (now, now, scope, subject))


def lock_once(scope: str, subject: str, unlock_hash: str) -> bool:
    """Set the hash of the token that may unlock this counter, unless one is set; True if this
    call set it (so exactly one caller mails the notice)."""
    changed = get_db().execute(
        "UPDATE attempt_counters SET unlock_hash = ? "
        "WHERE scope = ? AND subject = ? AND unlock_hash IS NULL",
        (unlock_hash, scope, subject),
    )
    return changed == 1


def take_by_unlock_hash(unlock_hash: str) -> Counter | None:
    """Remove the counter this unlock token belongs to and return it; only one caller gets it."""
    row = get_db().fetch_one(
        f"SELECT {_COLUMNS} FROM attempt_counters WHERE unlock_hash = ?", (unlock_hash,)
    )
    if row is None:
        return None
    removed = get_db().execute(
        "DELETE FROM attempt_counters WHERE scope = ? AND subject = ? AND unlock_hash = ?",
        (row["scope"], row["subject"], unlock_hash),
    )
    return Counter(**row) if removed == 1 else None


def for_subject(subject: str) -> list[Counter]:
    """Every counter of a subject and of its clients (`subject|...`), for an admin to read."""
    rows = get_db().fetch_all(
        f"SELECT {_COLUMNS} FROM attempt_counters WHERE {_SUBJECT_AND_ITS_CLIENTS} "
        "ORDER BY scope, subject",
        _subject_bounds(subject),
    )
    return [Counter(**row) for row in rows]


def clear_subject(subject: str) -> None:
    """Forget every counter of a subject and of its clients (its account is gone)."""
    get_db().execute(
        f"DELETE FROM attempt_counters WHERE {_SUBJECT_AND_ITS_CLIENTS}", _subject_bounds(subject)
    )


# `subject|...` as a range of the subject index (both databases compare these bytewise: '}'
# follows '|'), where LIKE would scan the table on SQLite.
_SUBJECT_AND_ITS_CLIENTS = "subject = ? OR (subject > ? AND subject < ?)"


def _subject_bounds(subject: str) -> tuple[str, str, str]:
    return subject, subject + "|", subject + "}"


def sweep(before: int, lock_after: int, batch: int = SWEEP_BATCH) -> int:
    """Forget a batch of counters untouched since before, unless they hold a second factor's
    lock (a sign-up stop nobody lifted goes: its email's sign-ups reopen after the retention);
    how many went."""
    return get_db().delete_oldest(
        "attempt_counters",
        "updated_at",
        before,
        batch,
        # +: not a term for unlock_hash's index (every unlocked counter is NULL there), so that
        # the planner walks updated_at's instead of the whole table
        extra=(
            f"(+unlock_hash IS NULL OR scope = '{SIGNUP}') "
            f"AND NOT (scope = '{SECOND_FACTOR}' AND failures >= ?)"
        ),
        extra_params=(lock_after,),
    )
