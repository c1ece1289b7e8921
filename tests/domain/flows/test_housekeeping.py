"""services/flows/housekeeping.py called directly, for what tests/store/test_sweep.py leaves
out: login challenges (kept a day past their expiry) and failure counters (a second factor's
lock stays however idle; a sign-up stop and plain counters go after the retention)."""

from __future__ import annotations

from mfa_api.db import get_db
from mfa_api.services.flows import housekeeping
from mfa_api.store import attempts, challenges
from mfa_api.store.attempts import CODE_OTHERS, PASSWORD, SECOND_FACTOR, SIGNUP

HOUR, DAY = 3600, 86400


def _removed(world) -> dict[str, int]:
    swept = housekeeping.sweep_all(world.ctx().settings, world.now)
    assert all(s.finished and s.failed is None for s in swept)
    return {s.what: s.removed for s in swept if s.removed}


def test_a_challenge_is_kept_a_day_past_its_expiry(world):
    ada = world.person()
    for jti, expires_at in (
        ("long-gone", world.now - DAY - 1),
        ("just-gone", world.now - HOUR),
        ("live", world.now + 300),
    ):
        get_db().execute(
            "INSERT INTO auth_challenges (jti, user_id, failures, expires_at) VALUES (?, ?, 0, ?)",
            (jti, ada.id, expires_at),
        )
    assert challenges.use("live", now=world.now)  # used: still kept until it expires
    assert _removed(world) == {"expired login challenges": 1}
    assert challenges.find("long-gone") is None
    assert challenges.find("just-gone") and challenges.find("live")


def test_idle_counters_go_but_a_second_factors_lock_stays(world):
    settings = world.ctx().settings
    idle = world.now - settings.events_retention_seconds - 1
    for scope, subject, failures, unlock_hash, at in (
        (SECOND_FACTOR, "locked@example.com", settings.lock_after, "h1", idle),
        (SIGNUP, "stopped@example.com", 40, "h2", idle),
        (PASSWORD, "idle@example.com", 3, None, idle),
        (CODE_OTHERS, "idle@example.com", 1, None, idle),
        (PASSWORD, "recent@example.com", 3, None, world.now - HOUR),
    ):
        get_db().execute(
            "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, "
            "unlock_hash, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
            (scope, subject, failures, unlock_hash, at),
        )
    assert _removed(world) == {"idle failure counters": 3}
    assert attempts.find(SECOND_FACTOR, "locked@example.com").failures == settings.lock_after
    assert attempts.find(PASSWORD, "recent@example.com") is not None
    assert attempts.find(SIGNUP, "stopped@example.com") is None  # its sign-ups reopen
    assert _removed(world) == {}
