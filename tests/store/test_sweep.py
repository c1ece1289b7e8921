"""`flask sweep` (services/flows/housekeeping.py): what is past its time goes in bounded
batches, what is not stays; the short-lived store's writes delete by key only."""

from __future__ import annotations

import threading
import time

from mfa_api.db import DatabaseBusy, get_db
from mfa_api.services.flows import housekeeping
from mfa_api.state import state
from mfa_api.store import attempts, devices, events, pending, revoked, server_clock, webhooks
from mfa_api.store.ephemeral import SqlEphemeral
from tests.helpers import CLOCK, make_app

DAY = 86400


def count(table: str) -> int:
    return get_db().fetch_one(f"SELECT COUNT(*) AS n FROM {table}", ())["n"]  # noqa: S608


def a_user() -> int:
    return get_db().insert(
        "INSERT INTO users (names, email, phone, password, auth_code) VALUES (?, ?, ?, ?, ?)",
        ("A", "a@example.com", "250788000009", "x", "x"),
    )


def signup(email: str, expires_at: int) -> None:
    pending.replace(
        names="A",
        email=email,
        phone="250788000001",
        password_hash="x",
        otp_hash="h",
        totp_secret="s",
        otp_expires_at=expires_at,
        client="c",
    )


def event(user_id: int, at: int) -> None:
    events.record(
        user_id=user_id, event="x", ip="", user_agent="", request_id="", at=at, detail=None
    )


def past_and_live(now: int, retention: int) -> None:
    """Two rows of each kind the sweeps look after: one past its time, one not."""
    user = a_user()
    signup("old@example.com", now - 2 * DAY)
    signup("new@example.com", now - 60)  # expired, but kept for a day
    assert attempts.advance("password", "old@example.com", None, 0, now - retention - 1)
    assert attempts.advance("password", "new@example.com", None, 0, now - retention + 1)
    # expired, past JWT_LEEWAY_SECONDS (5) and the margin kept for hosts' clocks (an hour)
    revoked.add("old-jti", now - 6 - 3600)
    revoked.add("new-jti", now - 1000)  # expired, but a host whose clock lags may still check it
    devices.add(user, "old-hash", 0, "old", now - 100, 99)
    devices.add(user, "new-hash", 0, "new", now - 100, 200)
    event(user, now - retention - 1)
    event(user, now - retention + 1)
    SqlEphemeral().put("old-key", "v", now - 1, now - 10)
    SqlEphemeral().put("new-key", "v", now + 60, now)
    deliveries(now)


def deliveries(now: int) -> None:
    """Webhook deliveries: delivered past the retention (30 days), delivered within it, and one
    still pending however old (a pending one is never swept: it fails first, after a day)."""
    endpoint = webhooks.add_endpoint("https://example.com/hook", "*", "s", now)
    for settled_at in (now - 31 * DAY, now - DAY):
        delivery = webhooks.add_delivery(endpoint, "msg_1", "registered", "{}", settled_at)
        assert webhooks.claim(delivery, "lease", settled_at, settled_at + 40)
        assert webhooks.delivered(delivery, "lease", settled_at)
    webhooks.add_delivery(endpoint, "msg_2", "registered", "{}", now - 40 * DAY)


def test_a_sweep_removes_what_is_past_its_time_and_keeps_the_rest(app):
    now = int(CLOCK.now())
    with app.app_context():
        settings = state().settings
        past_and_live(now, settings.events_retention_seconds)
        swept = housekeeping.sweep_all(settings, now, batch=1)
        assert {one.what: one.removed for one in swept} == {
            "expired sign-ups": 1,
            "idle failure counters": 1,
            "expired revocations": 1,
            "expired login challenges": 0,
            "expired remembered devices": 1,
            "audit events past the retention": 1,
            "expired short-lived keys": 1,
            "settled webhook deliveries": 1,
        }
        assert all(one.finished for one in swept)
        assert count("webhook_deliveries") == 2
        for table in (
            "waiting_users",
            "attempt_counters",
            "revoked_tokens",
            "remembered_devices",
            "security_events",
            "ephemeral",
        ):
            assert count(table) == 1, table
        assert [p.email for p in pending.for_email("new@example.com")] == ["new@example.com"]
        assert revoked.contains("new-jti", now - 1000 - 1)  # kept, for a host an hour behind
        assert SqlEphemeral().get("new-key", now) == "v"
        assert sum(one.removed for one in housekeeping.sweep_all(settings, now)) == 0


def test_a_run_stops_at_max_batches_and_the_next_goes_on(app):
    now = int(CLOCK.now())
    with app.app_context():
        user = a_user()
        for at in range(1, 8):
            event(user, at)
        settings = state().settings
        first = {s.what: s for s in housekeeping.sweep_all(settings, now, 2, max_batches=2)}
        audit = first["audit events past the retention"]
        assert (audit.removed, audit.finished) == (4, False)
        assert count("security_events") == 3
        second = {s.what: s for s in housekeeping.sweep_all(settings, now, 2, max_batches=2)}
        audit = second["audit events past the retention"]
        assert (audit.removed, audit.finished) == (3, True)
        assert count("security_events") == 0


def test_sweeps_on_several_hosts_at_once_remove_each_row_once(app_config):
    hosts = [make_app(app_config) for _ in range(3)]
    now = int(CLOCK.now())
    with hosts[0].app_context():
        user = a_user()
        get_db().execute_many(
            "INSERT INTO security_events (user_id, event, ip, user_agent, request_id, at) "
            "VALUES (?, 'x', '', '', '', ?)",
            [(user, at) for at in range(1, 301)],
        )
    removed, failures = [], []

    def sweep(host) -> None:
        try:
            with host.app_context():
                swept = housekeeping.sweep_all(state().settings, now, batch=7)
            removed.append(sum(one.removed for one in swept))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=sweep, args=(host,)) for host in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(removed) == 300
    with hosts[0].app_context():
        assert count("security_events") == 0


def test_the_short_lived_store_writes_delete_only_their_own_key(app):
    now = int(CLOCK.now())
    store = SqlEphemeral()
    with app.app_context():
        store.put("a", "1", now - 1, now - 100)  # expired a second ago
        store.put("b", "2", now + 60, now)
        assert count("ephemeral") == 2  # b's write left a's expired row alone
        assert store.get("a", now) is None
        assert store.take("a", now) is None
        assert store.items("", now) == [("b", "2")]
        store.put("b", "3", now + 60, now)  # its own key's row is replaced
        assert store.get("b", now) == "3"
        assert count("ephemeral") == 2
        assert housekeeping.sweep_all(state().settings, now)[-1].removed == 1
        assert count("ephemeral") == 1


def test_a_sweep_that_fails_stops_alone_and_the_command_says_so(app, monkeypatch):
    def busy(before, batch):
        raise DatabaseBusy()

    monkeypatch.setattr(revoked, "purge", busy)
    with app.app_context():
        events.record(
            user_id=a_user(), event="x", ip="", user_agent="", request_id="", at=1, detail=None
        )
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 1
    assert "expired revocations: 0 removed (stopped: " in result.output
    assert "audit events past the retention: 1 removed" in result.output  # the others ran


def test_the_sweep_goes_by_the_database_servers_clock(app):
    with app.app_context():
        assert abs(server_clock.now() - time.time()) < 3  # this machine's MariaDB, or SQLite
