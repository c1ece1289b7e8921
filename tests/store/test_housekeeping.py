"""Old audit events and idle failure counters are dropped in bounded batches; locks stay."""

from mfa_api.db import get_db
from mfa_api.store import attempts, events


def event(at):
    return events.record(
        user_id=1, event="login_failed", ip="", user_agent="", request_id="", at=at, detail=None
    )


def test_purge_drops_a_batch_of_the_oldest_events_before_the_cutoff(app):
    with app.app_context():
        for at in (10, 20, 30, 40, 50, 60):
            event(at)
        events.purge(before=55, batch=3)
        left = [
            r["at"] for r in get_db().fetch_all("SELECT at FROM security_events ORDER BY at", ())
        ]
        assert left == [40, 50, 60]
        events.purge(before=55, batch=3)
        left = [
            r["at"] for r in get_db().fetch_all("SELECT at FROM security_events ORDER BY at", ())
        ]
        assert left == [60]


def test_sweep_forgets_idle_counters_but_never_a_lock(app):
    with app.app_context():
        for subject, now in (("old@x.example", 100), ("new@x.example", 900)):
            assert attempts.advance("password", subject, None, 0, now)
        assert attempts.advance("second-factor", "locked@x.example", None, 0, 100)
        assert attempts.lock_once("second-factor", "locked@x.example", "h" * 64)
        assert not attempts.lock_once("second-factor", "locked@x.example", "i" * 64)
        assert attempts.advance("signup", "stopped@x.example", None, 0, 100)
        assert attempts.lock_once("signup", "stopped@x.example", "j" * 64)
        attempts.sweep(before=500, lock_after=100)
        assert attempts.find("password", "old@x.example") is None
        assert attempts.find("password", "new@x.example") is not None
        assert attempts.find("second-factor", "locked@x.example") is not None
        # a sign-up stop nobody lifted goes after the retention: the email's sign-ups reopen
        assert attempts.find("signup", "stopped@x.example") is None


def test_a_counter_moves_only_from_the_state_its_caller_saw(app):
    with app.app_context():
        assert attempts.advance("code", "a|b", None, 0, 1)
        assert not attempts.advance("code", "a|b", None, 0, 1)  # created meanwhile
        seen = attempts.find("code", "a|b")
        assert attempts.advance("code", "a|b", seen, 5, 2)
        assert not attempts.advance("code", "a|b", seen, 5, 2)  # moved meanwhile
        attempts.restore("code", "a|b", seen, 5)
        assert attempts.find("code", "a|b") == seen
