"""The one guarded check (services/defence/guarded.py), called directly: a guess is counted
before it is evaluated, a wrong one stays counted and is answered 401 with its message, a right
one clears the counter, and one that was not evaluated after all gives its reservation back."""

from __future__ import annotations

import pytest

from mfa_api.errors import InvalidInput, Unauthorized
from mfa_api.services.defence import counters, guarded
from mfa_api.services.defence.guarded import Unevaluated, Wrong
from mfa_api.store import attempts
from mfa_api.store.attempts import SECOND_FACTOR

EMAIL = "ada@example.com"


def _reserve(ctx):
    return lambda: counters.second_factor_attempt(ctx, EMAIL)


def _failures() -> int:
    found = attempts.find(SECOND_FACTOR, EMAIL)
    return 0 if found is None else found.failures


def test_a_right_guess_gives_what_it_evaluated_to_and_clears_the_counter(ctx):
    attempts_seen = []

    def evaluate():
        attempts_seen.append(_failures())  # counted before it is evaluated
        return "totp"

    assert guarded.check(ctx, _reserve(ctx), evaluate, "second_factor_failed") == "totp"
    assert attempts_seen == [1]
    assert _failures() == 0
    assert ctx.tally.evaluated == 1


def test_a_wrong_guess_stays_counted_and_is_answered_with_its_message(ctx):
    told = []

    def message():
        told.append(_failures())  # worked out once the failure is recorded
        return "Invalid code"

    with pytest.raises(Unauthorized, match="Invalid code"):
        guarded.check(ctx, _reserve(ctx), lambda: Wrong(None, message), "second_factor_failed")
    assert told == [1]
    assert _failures() == 1


def test_a_guess_not_evaluated_after_all_gives_its_reservation_back(ctx):
    def evaluate():
        raise Unevaluated(InvalidInput("taken first"))

    with pytest.raises(InvalidInput, match="taken first"):
        guarded.check(ctx, _reserve(ctx), evaluate, "second_factor_failed")
    assert _failures() == 0
    assert ctx.tally.evaluated == 0
