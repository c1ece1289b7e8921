"""Every statement the request paths run is a lookup by an index, never a scan of a table
that grows with the users: login, verify and the 2FA routes cost the same with a million
accounts as with a thousand. (SQLite's EXPLAIN QUERY PLAN; MariaDB has the same indexes.)"""

import re
import sqlite3

import pytest

from mfa_api.db import Database
from mfa_api.services.flows import housekeeping
from mfa_api.state import state
from tests.helpers import (
    PASSWORD,
    LegacyClient,
    TwoFaClient,
    add_passkey,
    fresh_totp,
    make_app,
    passkey_login,
    recorded_mail,
)

# Tables that grow with the accounts and their activity.
GROWING = (
    "users",
    "waiting_users",
    "attempt_counters",
    "security_events",
    "backup_codes",
    "auth_challenges",
    "revoked_tokens",
    "ephemeral",
)


@pytest.fixture
def statements(monkeypatch):
    """Every SQL statement run while the test runs (with its parameters' count)."""
    seen: set[str] = set()
    real = Database._run

    def spy(self, sql, params):
        seen.add(sql)
        return real(self, sql, params)

    monkeypatch.setattr(Database, "_run", spy)
    return seen


def scans(database_file: str, sql: str) -> list[str]:
    """The full-table scans of growing tables in the statement's plan."""
    conn = sqlite3.connect(database_file)
    try:
        params = (None,) * sql.count("?")
        plan = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    finally:
        conn.close()
    found = []
    for *_, detail in plan:
        match = re.match(r"SCAN (\w+)(?! USING)", detail)
        if match and match.group(1) in GROWING and "USING" not in detail:
            found.append(detail)
        # a housekeeping probe (oldest first) that sorts instead of walking its time index
        if "OFFSET ?" in sql and "TEMP B-TREE" in detail:
            found.append(detail)
    return found


def plans_config(tmp_path) -> dict:
    """An app's settings on a fresh SQLite file, hashing at its cheapest."""
    return {
        "TESTING": True,
        "SECRET_KEY": "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc",
        "DATABASE_URL": f"sqlite:///{tmp_path}/plans.sqlite3",
        "MAIL_SERVER": "localhost",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 64,
        "LEGACY_BCRYPT_COST": None,
        "RATELIMIT_ENABLED": False,
    }


def test_no_request_scans_a_growing_table(tmp_path, statements):
    config = plans_config(tmp_path)
    app = make_app(config)
    statements.clear()  # the schema's own statements are not requests
    with recorded_mail(app) as mailbox:
        legacy = LegacyClient(app.test_client(), mailbox)
        twofa = TwoFaClient(app, mailbox)
        secret = twofa.user()
        legacy.login()
        access = twofa.access(secret)
        codes, access = twofa.backup_codes(access, secret)
        recovered = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]})
        assert recovered.status_code == 200
        used = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]})
        assert used.json["message"] == "This backup code was already used"
        twofa.call("GET", "events", recovered.json["accessToken"])
        remember = {"otp": fresh_totp(secret), "remember": True}
        device = twofa.post("2fa/verify", twofa.challenge(), remember).json
        again = {"email": "alice@example.com", "password": PASSWORD}
        twofa.post("login", body={**again, "deviceToken": device["deviceToken"]})
        listed = twofa.call("GET", "devices", device["accessToken"]).json["devices"]
        twofa.call("DELETE", f"devices/{listed[0]['id']}", device["accessToken"])
        twofa.call("DELETE", "devices", device["accessToken"])
        authenticator, added = add_passkey(twofa, secret)
        assert added.status_code == 200, added.json
        assert passkey_login(twofa, authenticator).status_code == 200
        access = twofa.access(secret)
        passkey_id = twofa.call("GET", "passkeys", access).json["passkeys"][0]["id"]
        twofa.call("PATCH", f"passkeys/{passkey_id}", access, {"name": "renamed"})
        twofa.call("DELETE", f"passkeys/{passkey_id}", access, twofa.step_up(secret))
        twofa.post("login", body={"email": "alice@example.com", "password": PASSWORD + "x"})
        twofa.post("login", body={"email": "nobody@example.com", "password": PASSWORD})
        twofa.post("logout", recovered.json["accessToken"])
        twofa.post("2fa/setup", recovered.json["accessToken"])  # revoked: a lookup too
        access = twofa.access(secret)
        deleted = twofa.call("DELETE", "account", access, body=twofa.step_up(secret))
        assert deleted.status_code == 200, deleted.json
    with app.app_context():  # every sweep of `flask sweep`
        housekeeping.sweep_all(state().settings, 10**10)
    assert len(statements) > 30
    database_file = config["DATABASE_URL"].removeprefix("sqlite:///")
    found = {sql: plan for sql in statements if (plan := scans(database_file, sql))}
    assert found == {}


def test_a_scan_is_seen(tmp_path):
    make_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x"})
    assert scans(f"{tmp_path}/x", "SELECT * FROM attempt_counters WHERE failures = ?")


def test_no_admin_api_request_scans_a_growing_table(tmp_path, statements):
    config = plans_config(tmp_path)
    app = make_app(config)
    printed = app.test_cli_runner().invoke(
        args=[
            "api-keys",
            "create",
            "--name",
            "plans",
            "--scopes",
            "users:read,users:write,events:read",
        ]
    )
    headers = {"Authorization": "Bearer " + printed.output.strip().splitlines()[-1]}
    with recorded_mail(app) as mailbox:
        TwoFaClient(app, mailbox).user()
        statements.clear()
        client = app.test_client()
        for method, path in [
            ("GET", "users/alice@example.com"),
            ("GET", "users/alice@example.com/events"),
            ("GET", "events?since=2020-01-01T00:00:00Z"),
            ("GET", "events?cursor=MTAwLjEw"),
            ("POST", "users/alice@example.com/unlock"),
            ("POST", "users/alice@example.com/revoke-tokens"),
            ("POST", "users/alice@example.com/reset-2fa"),
            ("DELETE", "users/alice@example.com"),
        ]:
            answer = client.open("/api/admin/" + path, method=method, headers=headers)
            assert answer.status_code == 200, answer.json
    database_file = config["DATABASE_URL"].removeprefix("sqlite:///")
    feed = [sql for sql in statements if "ORDER BY e.at, e.id" in sql]
    conn = sqlite3.connect(database_file)
    try:  # the stream walks its (at) index in order: no sort, whatever the table's size
        plan = conn.execute("EXPLAIN QUERY PLAN " + feed[0], (0,) * 5).fetchall()
    finally:
        conn.close()
    assert "TEMP B-TREE" not in str(plan)
    found = {sql: plan for sql in statements if (plan := scans(database_file, sql))}
    assert found == {}
