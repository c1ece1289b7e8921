"""`flask webhooks add|list|remove|test`, and the outbox: each audit event queued for the
endpoints that asked for it, in the event's own transaction, with nothing secret in it."""

from __future__ import annotations

import base64
import json
import re

import pyotp
import pytest

from mfa_api.db import atomically, get_db
from mfa_api.services import audit
from mfa_api.services.context import Client, Context
from mfa_api.state import state
from tests.helpers import (
    CLOCK,
    PASSWORD,
    TwoFaClient,
    add_passkey,
    fresh_totp,
    make_app,
    recorded_mail,
    wrong_totp,
)

EMAIL = "alice@example.com"


@pytest.fixture
def hooks_app(app_config):
    """An app that lets webhooks go to loopback (the tests' receivers live there)."""
    app_config["WEBHOOKS_ALLOW_PRIVATE"] = True
    return make_app(app_config)


@pytest.fixture
def hooks(hooks_app):
    """Runs `flask webhooks <args>`; its output (the exit code asserted)."""

    def run(*args, code=0):
        result = hooks_app.test_cli_runner().invoke(args=["webhooks", *args])
        assert result.exit_code == code, result.output
        return result.output

    return run


@pytest.fixture
def twofa_hooks(hooks_app):
    """A client of the 2FA face on hooks_app, with its mail."""
    with recorded_mail(hooks_app) as messages:
        yield TwoFaClient(hooks_app, messages)


def added(output: str) -> tuple[int, str]:
    """(endpoint id, signing secret) from `flask webhooks add`'s output."""
    endpoint_id = int(re.search(r"endpoint (\d+)", output).group(1))
    return endpoint_id, re.search(r"(whsec_\S+)", output).group(1)


def payloads(app, endpoint_id: int | None = None) -> list[dict]:
    """The queued messages (of one endpoint), oldest first."""
    with app.app_context():
        rows = get_db().fetch_all(
            "SELECT endpoint_id, payload FROM webhook_deliveries ORDER BY created_at, id"
        )
    return [json.loads(r["payload"]) for r in rows if endpoint_id in (None, r["endpoint_id"])]


def test_add_shows_a_secret_once_and_keeps_it_sealed(hooks, hooks_app):
    output = hooks("add", "https://93.184.215.14/hooks", "--events", "all")
    endpoint_id, secret = added(output)
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    with hooks_app.app_context():
        stored = get_db().fetch_one("SELECT secret, events FROM webhook_endpoints")
    assert stored["secret"].startswith("enc:") and secret not in stored["secret"]
    assert stored["events"] == "*"
    listed = hooks("list")
    assert f"{endpoint_id}  https://93.184.215.14/hooks" in listed
    assert "events:     all" in listed and "0 pending, 0 delivered, 0 failed" in listed
    assert "whsec_" not in listed and secret not in listed
    assert "prefer https" in hooks("add", "http://93.184.215.14/plain", "--events", "locked")


def test_add_refuses_what_cannot_or_must_not_receive(app):
    """SSRF: without WEBHOOKS_ALLOW_PRIVATE, no receiver at a non-public address."""

    def refused(url, events="all"):
        result = app.test_cli_runner().invoke(args=["webhooks", "add", url, "--events", events])
        assert result.exit_code == 1, result.output
        return result.output

    assert "loopback" in refused("http://127.0.0.1:8080/hook")
    assert "loopback" in refused("http://localhost/hook")
    assert "loopback" in refused("http://[::1]/hook")
    assert "private" in refused("https://10.1.2.3/hook")
    assert "private" in refused("https://192.168.0.10/hook")
    assert "link-local" in refused("http://169.254.169.254/latest/meta-data")  # cloud metadata
    assert "multicast" in refused("http://224.0.0.1/hook")
    assert "unspecified" in refused("http://0.0.0.0/hook")
    assert "loopback" in refused("http://[::ffff:127.0.0.1]/hook")
    assert "not a public address" in refused("http://100.64.0.1/hook")  # carrier-grade NAT
    assert "does not resolve" in refused("https://no-such-host.invalid/hook")
    assert "http:// or https://" in refused("ftp://example.com/hook")
    assert "http:// or https://" in refused("file:///etc/passwd")
    assert "no user or password" in refused("https://me:pw@example.com/hook")
    assert "unknown events: nope" in refused("https://93.184.215.14/h", "locked,nope")
    assert (
        "No webhook endpoint 9"
        in app.test_cli_runner().invoke(args=["webhooks", "remove", "9"]).output
    )
    with app.app_context():
        assert get_db().fetch_one("SELECT COUNT(*) AS n FROM webhook_endpoints")["n"] == 0


def test_each_event_is_queued_for_the_endpoints_that_asked(hooks, twofa_hooks, hooks_app):
    every, _ = added(hooks("add", "https://93.184.215.14/all", "--events", "all"))
    failures, _ = added(hooks("add", "https://93.184.215.14/f", "--events", "login_failed,locked"))
    secret = twofa_hooks.user()
    twofa_hooks.post("login", body={"email": EMAIL, "password": "wrong-password"})
    twofa_hooks.access(secret)
    types = [p["type"] for p in payloads(hooks_app, every)]
    assert types[0] == "registered" and "login_failed" in types and "login_succeeded" in types
    assert [p["type"] for p in payloads(hooks_app, failures)] == ["login_failed"]
    failed = payloads(hooks_app, failures)[0]
    assert failed["data"]["email"] == EMAIL and failed["data"]["ip"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", failed["timestamp"])
    # one message id per event, whichever endpoints receive it
    with hooks_app.app_context():
        ids = get_db().fetch_all(
            "SELECT message_id FROM webhook_deliveries WHERE event = 'login_failed'"
        )
    assert len(ids) == 2 and ids[0] == ids[1]
    assert f"{len(types)} pending, 0 delivered" in hooks("list")


def test_an_event_and_its_deliveries_commit_or_vanish_together(hooks, hooks_app):
    hooks("add", "https://93.184.215.14/all", "--events", "all")
    client = Client(ip="cli", user_agent="t", request_id="r")
    with hooks_app.app_context():
        ctx = Context(state().settings, int(CLOCK.now()), None, None, client)

        def record_then_fail():
            audit.record(ctx, 7, audit.LOCKED, failures=3)
            raise RuntimeError("the request failed after the event")

        with pytest.raises(RuntimeError):
            atomically(record_then_fail)
        db = get_db()
        assert db.fetch_one("SELECT COUNT(*) AS n FROM security_events")["n"] == 0
        assert db.fetch_one("SELECT COUNT(*) AS n FROM webhook_deliveries")["n"] == 0
        audit.record(ctx, 7, audit.LOCKED, failures=3)
        assert db.fetch_one("SELECT COUNT(*) AS n FROM security_events")["n"] == 1
        assert db.fetch_one("SELECT COUNT(*) AS n FROM webhook_deliveries")["n"] == 1


def test_remove_drops_the_endpoint_and_its_deliveries_and_test_queues_one(hooks, hooks_app):
    first, _ = added(hooks("add", "https://93.184.215.14/a", "--events", "all"))
    second, _ = added(hooks("add", "https://93.184.215.14/b", "--events", "all"))
    assert "Queued a webhook.test message" in hooks("test", str(second))
    assert [p["type"] for p in payloads(hooks_app, second)] == ["webhook.test"]
    assert payloads(hooks_app, second)[0]["data"] == {"endpoint_id": second}
    assert "Removed webhook endpoint" in hooks("remove", str(second))
    assert payloads(hooks_app) == []
    assert "No webhook endpoint" in hooks("test", str(second), code=1)
    assert f"{first}  https://93.184.215.14/a" in hooks("list")
    hooks("remove", str(first))
    assert "No webhook endpoints." in hooks("list")


def test_no_payload_of_any_event_carries_a_secret(hooks, twofa_hooks, hooks_app):
    """A whole account's life with every kind of secret in play; the payloads are scanned for
    each of them: TOTP seed and codes, mailed codes, backup codes, passwords, tokens, hashes."""
    _, signing_secret = added(hooks("add", "https://93.184.215.14/all", "--events", "all"))
    twofa, started = twofa_hooks, CLOCK.now()
    secret = twofa.user()
    tokens = [twofa.challenge()]
    twofa.post("login", body={"email": EMAIL, "password": "wrong-password"})
    twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    access = twofa.access(secret)
    codes, access = twofa.backup_codes(access, secret)
    _, added_passkey = add_passkey(twofa, secret, access=access)
    assert added_passkey.status_code == 200, added_passkey.json
    recovered = twofa.post(
        "2fa/recover", twofa.challenge(), {"backup_code": codes[0], "remember": True}
    )
    assert recovered.status_code == 200, recovered.json
    access, device = recovered.json["accessToken"], recovered.json["deviceToken"]
    new_password = "Brisk-Lantern-77"
    body = {"current_password": PASSWORD, "new_password": new_password, "otp": codes[1]}
    access = twofa.post("password", access, body).json["accessToken"]
    tokens += [access, device]
    hooks_app.test_cli_runner().invoke(args=["users", "show", EMAIL])
    hooks_app.test_cli_runner().invoke(args=["users", "unlock", EMAIL])
    twofa.post("logout", access)
    with hooks_app.app_context():
        row = get_db().fetch_one("SELECT password, auth_code FROM users")
    verify = {"otp": fresh_totp(secret)}
    access = twofa.post("2fa/verify", twofa.challenge(password=new_password), verify)
    access = access.json["accessToken"]
    tokens.append(access)
    step_up = {"password": new_password, "otp": fresh_totp(secret)}
    assert twofa.call("DELETE", "account", access, step_up).status_code == 200

    mailed = {c for m in twofa.mailbox for c in re.findall(r"\b\d{6}\b", m.text)}
    totps = {pyotp.TOTP(secret).at(t) for t in range(int(started) - 90, int(CLOCK.now()) + 90)}
    needles = {
        secret,
        signing_secret,
        signing_secret.removeprefix("whsec_"),
        PASSWORD,
        new_password,
        row["password"],
        row["auth_code"],
        *codes,
        *[c.replace("-", "") for c in codes],
        *tokens,
        *mailed,
        *totps,
    }
    sent = payloads(hooks_app)
    types = {p["type"] for p in sent}
    assert types <= set(audit.EVENTS)
    assert {
        "registered",
        "login_failed",
        "second_factor_failed",
        "login_succeeded",
        "backup_codes_generated",
        "backup_code_used",
        "device_remembered",
        "password_changed",
        "tokens_revoked",
        "passkey_added",
        "admin_viewed",
        "unlocked",
        "account_deleted",
    } <= types, types
    for one in sent:
        assert set(one) == {"type", "timestamp", "data"}
        assert one["data"]["user_id"] is not None and one["data"]["email"] == EMAIL, one
        text = json.dumps(one)
        leaked = [n for n in needles if n and n in text]
        assert not leaked, (one["type"], leaked)


def test_every_event_the_trail_names_may_be_asked_for():
    named = {v for k, v in vars(audit).items() if k.isupper() and isinstance(v, str)}
    assert named == set(audit.EVENTS)
