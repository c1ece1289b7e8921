"""The circuit breaker: open for a while after a failure, then calls go through again."""

from mfa_api.breaker import Breaker


def test_a_breaker_opens_on_failure_and_closes_by_itself():
    now = [100.0]
    breaker = Breaker("database", 5, clock=lambda: now[0])
    assert not breaker.is_open()
    breaker.failed()
    assert breaker.is_open()
    now[0] += 4.9
    assert breaker.is_open()
    now[0] += 0.2
    assert not breaker.is_open()  # probed again, automatically
    breaker.failed()
    assert breaker.is_open()
    breaker.succeeded()
    assert not breaker.is_open()
