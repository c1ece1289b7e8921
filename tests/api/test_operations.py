"""For operators: /healthz, /readyz (database, schema, clock, Redis), the request log and its
request ids, /metrics, `flask version` and `flask limiter`."""

import json
import logging
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mfa_api import __version__, create_app
from mfa_api.db import connect
from mfa_api.observe import log_line, request_id_from
from tests.helpers import CLOCK, PASSWORD, TwoFaClient, make_app, recorded_mail
from tests.services import _server_connection, fresh_redis_prefix
from tests.smtp import free_port


def test_healthz_answers_the_version_without_touching_the_database():
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite:////nonexistent/x.db"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"success": True, "status": "ok", "version": __version__}


def test_readyz_is_ready_with_the_schema_current(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"success": True, "status": "ready", "version": __version__}


def test_readyz_names_an_unreachable_database(app_config):
    app_config["DATABASE_URL"] = f"mysql://root@127.0.0.1:{free_port()}/mfa"
    response = create_app(app_config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "success": False,
        "message": "Not ready: database",
        "failing": ["database"],
    }


def test_readyz_names_a_schema_behind(app_config):
    connect(app_config["DATABASE_URL"]).close()  # SQLite: an empty file (none is `database`)
    app = create_app(app_config)  # no init-db at all
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.json["failing"]) == (503, ["schema"])
    app = make_app(app_config)  # the schema applied, then its newest migration "undone"
    db = connect(app_config["DATABASE_URL"])
    try:
        db.execute(
            "DELETE FROM schema_version WHERE version = (SELECT MAX(version) FROM ("
            "SELECT version FROM schema_version) AS v)"
        )
    finally:
        db.close()
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.json["failing"]) == (503, ["schema"])
    assert "run init-db" not in response.get_data(as_text=True)  # details go to the log only


def drop_database(url: str) -> None:
    """Make the database disappear: delete the SQLite file, or DROP the MariaDB database."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)
        return
    conn = _server_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{urlsplit(url).path.lstrip('/')}`")
    finally:
        conn.close()


def test_readyz_names_the_database_when_it_is_gone_not_the_schema(app_config, caplog):
    url = app_config["DATABASE_URL"]
    client = make_app(app_config).test_client()
    assert client.get("/readyz").status_code == 200  # the thread keeps that connection
    drop_database(url)
    with caplog.at_level(logging.WARNING, logger="mfa_api.api.ops"):
        kept = client.get("/readyz")  # on the connection that outlived its database
        fresh = create_app(app_config).test_client().get("/readyz")  # on a new one
    for response in (kept, fresh):
        assert (response.status_code, response.json["failing"]) == (503, ["database"])
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Not ready")]
    assert len(logged) == 2
    assert all(
        ("no SQLite file at" in m) or ("dropped" in m) or ("Unknown database" in m) for m in logged
    ), logged
    if url.startswith("sqlite:///"):  # asking was no reason to make a new, empty database
        assert not Path(url[len("sqlite:///") :]).exists()


def test_check_config_names_a_missing_sqlite_file_and_makes_none(tmp_path, app_config):
    missing = tmp_path / "gone.sqlite3"
    app_config["DATABASE_URL"] = f"sqlite:///{missing}"
    result = create_app(app_config).test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    assert f"error: the database cannot be reached: no SQLite file at {missing}" in result.output
    assert not missing.exists()


def test_readyz_names_a_clock_off_the_databases(app, caplog):
    client = app.test_client()
    CLOCK.advance(8)  # within CLOCK_SKEW_MAX_SECONDS (10)
    assert client.get("/readyz").status_code == 200
    CLOCK.advance(30)  # a host running 38 s ahead would spend TOTP steps the others expect
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["clock"]
    assert re.search(r"clock is \+3\d\.\d s off the database's", caplog.text)


def test_no_clock_check_with_a_max_skew_of_0(app_config):
    app_config["CLOCK_SKEW_MAX_SECONDS"] = 0
    CLOCK.advance(3600)
    assert make_app(app_config).test_client().get("/readyz").status_code == 200


def test_readyz_names_redis_when_configured_and_down(app_config):
    app_config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = make_app(app_config).test_client().get("/readyz")
    assert (response.status_code, response.json["failing"]) == (503, ["redis"])


def test_readyz_with_redis_up(app_config):
    with fresh_redis_prefix() as (url, prefix):
        app_config.update(REDIS_URL=url, REDIS_PREFIX=prefix)
        assert make_app(app_config).test_client().get("/readyz").status_code == 200


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-DEF_1.2", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("has space", False),
        ("<script>", False),
        ("", False),
        ("ünï", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(app, sent, kept):
    response = app.test_client().get("/healthz", headers={"X-Request-Id": sent})
    echoed = response.headers["X-Request-Id"]
    assert (echoed == sent) is kept
    if not kept:
        assert re.fullmatch(r"[0-9a-f]{16}", echoed)
    assert request_id_from(None) != request_id_from(None)


def request_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mfa_api.requests"]


def test_one_log_line_per_request_with_the_user_once_known(app_config, caplog):
    app_config["LOG_FORMAT"] = "json"
    app = make_app(app_config)
    client = TwoFaClient(app, [])
    with recorded_mail(app) as mailbox:
        client.mailbox = client.legacy.mailbox = mailbox
        access = client.without_2fa(client.user())
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="mfa_api.requests"):
            client.call("GET", "events", access, headers={"X-Request-Id": "trace-1"})
            app.test_client().post("/mfa-php/api/index.php?path=login", json={"email": "x"})
            login = {"email": "alice@example.com", "password": PASSWORD}
            code = client.post("login", body=login).json
            wrong = {"email": "alice@example.com", "password": PASSWORD + "x"}
            app.test_client().post("/mfa-php/api/login", json=wrong)
    first, second, third, fourth = (json.loads(line) for line in request_lines(caplog))
    assert first["route"] == "/api/auth/events" and first["status"] == 200
    assert first["request_id"] == "trace-1" and first["method"] == "GET"
    assert isinstance(first["user_id"], int) and first["ip"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])
    assert first["duration_ms"] >= 0
    assert (second["route"], second["status"], second["user_id"]) == (
        "/mfa-php/api/login",
        400,
        None,
    )
    assert (third["route"], third["status"]) == ("/api/auth/login", 200)
    assert (fourth["route"], fourth["status"]) == ("/mfa-php/api/login", 401)
    secrets_sent = [PASSWORD, access, code["accessToken"], mailbox[-1].code]
    assert not [secret for secret in secrets_sent if secret and secret in caplog.text]


def test_the_text_log_line_reads_as_words():
    fields = {
        "time": "2026-12-03T07:00:00.123Z",
        "method": "POST",
        "route": "/api/auth/login",
        "status": 401,
        "duration_ms": 3.1,
        "request_id": "abc",
        "ip": "203.0.113.7",
        "user_id": None,
    }
    assert log_line(fields, "text") == (
        "2026-12-03T07:00:00.123Z POST /api/auth/login 401 3.1ms request_id=abc "
        "ip=203.0.113.7 user_id=-"
    )
    assert json.loads(log_line(fields, "json")) == fields


def test_a_text_log_value_cannot_forge_a_word_of_its_own():
    fields = {
        "time": "2026-12-03T07:00:00.123Z",
        "method": "GET",
        "route": "/a b",
        "status": 200,
        "duration_ms": 1.0,
        "request_id": "abc",
        "ip": '<img src=x> forged=yes "\\',
        "user_id": None,
    }
    words = shlex.split(log_line(fields, "text"))  # a shell's quoting reads JSON's here
    assert words[2] == "/a b" and len(words) == 8
    pairs = dict(word.split("=", 1) for word in words[5:])
    assert pairs == {"request_id": "abc", "ip": fields["ip"], "user_id": "-"}


def test_a_log_format_it_does_not_know_stops_the_service(app_config):
    from mfa_api import ConfigError

    app_config.update(TESTING=False, LOG_FORMAT="xml")
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of: text, json"):
        create_app(app_config)


def test_a_rate_limited_mfa_php_call_is_counted_under_its_endpoint(app_config):
    app_config.update(METRICS_ENABLED=True, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="1 per minute")
    web = make_app(app_config).test_client()
    body = {"email": "limited@example.com", "password": "whatever-pass"}
    statuses = [web.post("/mfa-php/api/login", json=body).status_code for _ in range(2)]
    assert statuses == [401, 429]
    text = web.get("/metrics").get_data(as_text=True)
    labels = {"method": "POST", "route": "/mfa-php/api/login", "status": "429"}
    assert metric(text, "mfa_http_requests_total", **labels) >= 1


def test_metrics_are_off_unless_enabled(app):
    assert app.test_client().get("/metrics").status_code == 404


def metric(text: str, name: str, **labels) -> float:
    """One sample's value in a /metrics text (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_logins_second_factors_and_mail(app_config):
    app_config["METRICS_ENABLED"] = True
    app = make_app(app_config)
    web = app.test_client()
    before = web.get("/metrics").get_data(as_text=True)
    client = TwoFaClient(app, [])
    with recorded_mail(app) as mailbox:
        client.mailbox = client.legacy.mailbox = mailbox
        secret = client.user()
        web.post("/api/auth/login", json={"email": "alice@example.com", "password": "wrong-pass"})
        web.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 10})
        challenge = client.challenge()
        client.post("2fa/verify", challenge, {"otp": "000000"})
        client.access(secret)
    after = web.get("/metrics").get_data(as_text=True)

    def grew(name, **labels):
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert grew("mfa_security_events_total", event="login_failed") == 2  # no account: counted
    assert grew("mfa_security_events_total", event="login_succeeded") == 1
    assert grew("mfa_security_events_total", event="second_factor_failed") == 1
    assert grew("mfa_second_factors_total", result="failure") == 1
    assert grew("mfa_second_factors_total", result="success") == 1  # the TOTP that logged in
    assert grew("mfa_messages_total", channel="mail", result="sent") == 1  # the sign-up code
    labels = {"method": "POST", "route": "/api/auth/login", "status": "401"}
    assert grew("mfa_http_requests_total", **labels) == 2
    count = {"method": "POST", "route": "/api/auth/login"}
    assert grew("mfa_http_request_duration_seconds_count", **count) == 4
    assert "mfa_http_request_duration_seconds_bucket" in after


def test_a_failed_mail_is_counted_as_failed(app_config):
    app_config.update(METRICS_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    app = make_app(app_config, record_mail=False)
    web = app.test_client()
    before = web.get("/metrics").get_data(as_text=True)
    body = {"names": "A", "email": "a@example.com", "phone": "250788000001", "password": PASSWORD}
    assert web.post("/mfa-php/api/register", json=body).status_code == 503
    after = web.get("/metrics").get_data(as_text=True)
    failed = {"channel": "mail", "result": "failed"}
    assert (
        metric(after, "mfa_messages_total", **failed)
        - metric(before, "mfa_messages_total", **failed)
        == 1
    )


def test_flask_version_command(app):
    assert app.test_cli_runner().invoke(args=["version"]).output == f"mfa-api {__version__}\n"


def test_clients_cannot_make_new_metric_series_at_will(app_config):
    app_config["METRICS_ENABLED"] = True
    web = make_app(app_config).test_client()
    for method in ("BREW", "WHEN", "XYZZY"):
        web.open("/mfa-php/api/login", method=method)
        web.open(f"/no/such/{method}", method="GET")
        web.post(f"/mfa-php/api/index.php?path=made-up-{method}", json={})
        web.post(f"/mfa-php/api/made-up-{method}", json={})
    text = web.get("/metrics").get_data(as_text=True)
    assert not [word for word in ("BREW", "XYZZY", "/no/such", "made-up") if word in text]
    assert (
        metric(
            text,
            "mfa_http_requests_total",
            method="OTHER",
            route="-",  # refused by routing: no route
            status="405",
        )
        >= 3
    )
