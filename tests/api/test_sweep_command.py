"""No request sweeps (on a cluster, hosts would collide on the same ranges); `flask sweep` does,
and says what it removed."""

from __future__ import annotations

import secrets

import jwt

from mfa_api.db import get_db
from mfa_api.store import attempts, devices, events, pending, revoked
from mfa_api.store.ephemeral import SqlEphemeral
from tests.helpers import CLOCK, PASSWORD, fresh_totp

DAY = 86400
TABLES = (
    "waiting_users",
    "attempt_counters",
    "revoked_tokens",
    "remembered_devices",
    "security_events",
    "ephemeral",
)


def counts() -> dict[str, int]:
    db = get_db()
    return {t: db.fetch_one(f"SELECT COUNT(*) AS n FROM {t}", ())["n"] for t in TABLES}  # noqa: S608


def other_user() -> int:
    """A second account, whose dead devices no request of alice's forgets."""
    return get_db().insert(
        "INSERT INTO users (names, email, phone, password, auth_code) VALUES (?, ?, ?, ?, ?)",
        ("Carol", "carol@example.com", "250788000003", "x", "x"),
    )


def long_past(user_id: int, now: int) -> None:
    """One row of each swept kind, long past its time."""
    pending.replace(
        names="Old",
        email="old@example.com",
        phone="250788000077",
        password_hash="x",
        otp_hash="h",
        totp_secret="s",
        otp_expires_at=now - 30 * DAY,
        client="c",
    )
    assert attempts.advance("password", "old@example.com", None, 0, now - 3650 * DAY)
    revoked.add("old-jti", now - DAY)
    devices.add(other_user(), "old-hash", 0, "old", now - 2 * DAY, DAY)
    events.record(
        user_id=user_id, event="x", ip="", user_agent="", request_id="", at=1, detail=None
    )
    SqlEphemeral().put("old-key", "v", now - DAY, now - 2 * DAY)


def test_requests_leave_housekeeping_to_flask_sweep(twofa, monkeypatch):
    secret = twofa.user()
    with twofa.app.app_context():
        user_id = get_db().fetch_one("SELECT id FROM users", ())["id"]
        long_past(user_id, int(CLOCK.now()))
        before = counts()
    # Every "now and then" of the past comes up at once: a request that still swept would.
    monkeypatch.setattr(secrets, "randbelow", lambda n: 0)
    twofa.legacy.register(email="bob@example.com", phone="250788000002")
    twofa.post("login", body={"email": "nobody@example.com", "password": PASSWORD})
    body = {"otp": fresh_totp(secret), "remember": True}
    verified = twofa.post("2fa/verify", twofa.challenge(), body)
    assert verified.status_code == 200, verified.json
    assert twofa.post("logout", verified.json["accessToken"]).status_code == 200
    with twofa.app.app_context():
        after = counts()
    assert all(after[t] > before[t] for t in ("waiting_users", "attempt_counters")), after
    assert all(after[t] >= before[t] for t in TABLES), (before, after)

    result = twofa.app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "expired sign-ups: 1 removed",
        "idle failure counters: 1 removed",
        "expired revocations: 1 removed",
        "expired login challenges: 0 removed",
        "expired remembered devices: 1 removed",
        "audit events past the retention: 1 removed",
        "settled webhook deliveries: 0 removed",
        "expired short-lived keys: 1 removed",
    ]
    with twofa.app.app_context():
        assert not pending.exists("old@example.com")
        assert pending.exists("bob@example.com")
        assert not revoked.contains("old-jti", 0)
        assert revoked.contains(_jti_of(verified.json["accessToken"]), int(CLOCK.now()))


def _jti_of(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["jti"]


def test_sweep_says_when_it_stopped_with_more_left(app):
    with app.app_context():
        for at in range(1, 6):
            events.record(
                user_id=None, event="x", ip="", user_agent="", request_id="", at=at, detail=None
            )
    result = app.test_cli_runner().invoke(args=["sweep", "--batch", "2", "--max-batches", "1"])
    assert result.exit_code == 0, result.output
    assert "audit events past the retention: 2 removed (stopped after 1 batches; more left)" in (
        result.output
    )
