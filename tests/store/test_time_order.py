"""Oldest and newest first go by time, never by id: a Galera cluster hands out interleaved
auto-increment ids (auto_increment_increment = its size), so a later row may get a lower id."""

from __future__ import annotations

from mfa_api.db import get_db
from mfa_api.store import devices, events, passkeys, pending

# (id, time): the row made first got the higher id, as from another node
INTERLEAVED = ((7, 100), (2, 200), (5, 300))


def a_user() -> int:
    return get_db().insert(
        "INSERT INTO users (names, email, phone, password, auth_code) VALUES (?, ?, ?, ?, ?)",
        ("A", "a@example.com", "250788000009", "x", "x"),
    )


def test_passkeys_are_listed_oldest_first_by_when_they_were_added(app):
    with app.app_context():
        user = a_user()
        for row_id, at in INTERLEAVED:
            get_db().execute(
                "INSERT INTO passkeys (id, user_id, credential_id, public_key, sign_count, name, "
                "created_at) VALUES (?, ?, ?, 'k', 0, ?, ?)",
                (row_id, user, f"cred-{row_id}", f"added at {at}", at),
            )
        assert [p.created_at for p in passkeys.of_user(user)] == [100, 200, 300]


def test_pending_sign_ups_come_oldest_first_by_when_they_started(app):
    with app.app_context():
        for row_id, at in INTERLEAVED:
            get_db().execute(
                "INSERT INTO waiting_users (waiting_id, names, email, phone, password, email_otp, "
                "phone_otp, auth_code, otp_expires_at, trials, otp_client) "
                "VALUES (?, 'A', 'a@example.com', '250788000001', 'x', 'h', '', 's', ?, 0, ?)",
                (row_id, at + 600, f"client-{row_id}"),
            )
        found = pending.for_email("a@example.com")
        assert [p.otp_expires_at for p in found] == [700, 800, 900]


def test_the_audit_trail_is_newest_first_by_time(app):
    with app.app_context():
        user = a_user()
        for row_id, at in INTERLEAVED:
            get_db().execute(
                "INSERT INTO security_events (id, user_id, event, ip, user_agent, request_id, at) "
                "VALUES (?, ?, 'x', '', '', '', ?)",
                (row_id, user, at),
            )
        assert [e.at for e in events.recent(user, 0, 10)] == [300, 200, 100]


def test_remembered_devices_are_listed_most_recently_used_first(app):
    with app.app_context():
        user = a_user()
        for row_id, at in INTERLEAVED:
            get_db().execute(
                "INSERT INTO remembered_devices (id, user_id, token_hash, token_version, label, "
                "created_at, last_used_at, expires_at) VALUES (?, ?, ?, 0, '', ?, ?, ?)",
                (row_id, user, f"hash-{row_id}", at, at, at + 10**6),
            )
        assert [d.last_used_at for d in devices.of_user(user, 0, 0)] == [300, 200, 100]
