"""The one way a guess is checked: reserve the attempt, evaluate the guess, record the outcome.

Every place that checks a password or a code (a login's, a challenge's, a step-up's, a
sign-up's, a setup's, a phone's) goes through check(): the reservation is made by its own
counters (counters.py) before anything is evaluated, a wrong guess is recorded (and may lock the
account) before its 401 is answered, and a right one clears the account's counters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ...errors import ApiError, Unauthorized
from ..context import Context
from .counters import Attempt, failed, release, succeeded

T = TypeVar("T")


@dataclass(frozen=True)
class Wrong:
    """What an evaluation returns for a wrong guess: whose account it counts against (None for
    an email with no account), and what the 401 says (a callable: worked out only once the
    failure is recorded, which may lock the account and answer 423 instead)."""

    user_id: int | None
    message: str | Callable[[], str]

    def said(self) -> str:
        """The 401's message."""
        return self.message() if callable(self.message) else self.message


class Unevaluated(Exception):
    """Raised by an evaluation that did not happen after all (a concurrent request used the code
    or closed the challenge first): the reservation is given back and `error` is answered."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


def check(
    ctx: Context,
    reserve: Callable[[], Attempt],
    evaluate: Callable[[], T | Wrong],
    event: str,
    **detail: object,
) -> T:
    """Reserve an attempt (refused unevaluated: 429 or 423), evaluate the guess, record it.

    What evaluate returns for a right guess is returned; a Wrong is recorded as `event` (with
    `detail`) on the audit trail and the counters, then answered 401.
    """
    attempt = reserve()
    try:
        outcome = evaluate()
    except Unevaluated as gone:
        release(attempt)
        raise gone.error from None
    if isinstance(outcome, Wrong):
        failed(ctx, attempt, outcome.user_id, event, **detail)
        raise Unauthorized(outcome.said())
    succeeded(ctx, attempt)
    return outcome
