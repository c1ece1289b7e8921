"""The one shape of a second factor: `takes` says whether an answer has its shape, `use` uses
the answer up in one pass and says what it came to, an `Outcome`: accepted as which factor (the
name the audit trail and the login record), or refused and what the user is told. `use` never
raises for a wrong answer and never counts it: the flows count it through defence/guarded.

Every factor is an instance of a class in its own module (totp.TOTP, codes.SENT_CODE,
backup.BACKUP_CODE, passkeys.ASSERTION, devices.REMEMBERED); choice.py offers an answer to them.

How to add a factor: one new module in factors/ with a class that has a `name`, a `takes()` and
a `use()` (its refusals worked out lazily, as guarded.Wrong says why) and a module-level
instance of it; its name on one line of choice.FACTORS (where its place in the tuple says which
factor an answer of a shape several take goes to first); tests of its use() in
tests/domain/test_factors.py. Step-up then takes it with no change (/2fa/verify when it is in
choice.CHALLENGE_CODES too); the faces need only let its answer through their schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ...store.users import User
from ..context import Context

INVALID_CODE = "Invalid code"


@dataclass(frozen=True)
class Outcome:
    """What an answer came to: accepted as `factor`, or refused (factor None) with what the
    user is told (worked out only when asked, after the failure is recorded: explaining may
    act, and a lock answers 423 instead)."""

    factor: str | None
    refusal: Callable[[], str]

    @property
    def accepted(self) -> bool:
        """True when the answer was right and is now used up."""
        return self.factor is not None


def accepted(factor: str) -> Outcome:
    """The outcome of an answer accepted as factor."""
    return Outcome(factor, lambda: "")


def refused(why: str | Callable[[], str]) -> Outcome:
    """The outcome of a refused answer, told why (a message, or how to work it out)."""
    return Outcome(None, why if callable(why) else lambda: why)


@runtime_checkable
class Factor(Protocol):
    """A second factor: its name, the shape of its answers, and their single use."""

    name: str  # the factor an accepted answer is recorded as (audit `factor`)

    def takes(self, answer: object, challenge: str | None) -> bool:
        """True when answer has this factor's shape and it answers here (challenge: the jti of
        the login challenge answered, None for a step-up)."""
        ...

    def use(self, user: User, answer: object, ctx: Context, challenge: str | None) -> Outcome:
        """Use the answer up as the user's factor, in one pass; what it came to."""
        ...
