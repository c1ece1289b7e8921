"""Redis through Sentinel (issue 22), with real processes: a primary, a replica and 3 sentinels
of the test's own, and gunicorn (2 workers) given one redis+sentinel:// REDIS_URL. Short-lived
state and rate limits work; after a SENTINEL FAILOVER, and after the primary is SIGKILLed,
requests keep working within seconds and the rate-limit hits land on the new primary (a pooled
connection to the demoted one, which still takes writes for ~10 s, would lose them). A server
that answers READONLY is left for the primary, within the request. check-config asks the
sentinels, and refuses a Sentinel URL that cannot work."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from mfa_api import redis_sentinel
from mfa_api.redis_client import parse_sentinel_url
from tests.e2e.sentinels import PrivateSentinels
from tests.e2e.server import BIN, ROOT, Gunicorn, init_db, register_user, service_env, totp
from tests.services import REQUIRE_SERVICES
from tests.smtp import SmtpSink

EMAIL, PASSWORD = "sentinel@example.com", "sentinel-long-password"
HITS = 8  # rate-limited requests sent after each fault
RECOVERY = 15  # seconds: down after 1 s, a failover in 1-3 s, the limiter's re-tries


@pytest.fixture(scope="module")
def sentinels():
    """A primary, a replica and 3 sentinels of this module's own."""
    if shutil.which("redis-sentinel") is None:
        message = "redis-sentinel is not installed (make servers installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (MFA_TEST_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    group = PrivateSentinels().start()
    yield group
    group.stop()


@pytest.fixture
def server(sentinels, tmp_path):
    """gunicorn on SQLite, with Redis (and so the rate limiter) through the sentinels."""
    smtp = SmtpSink().start()
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/mfa.sqlite3",
        REDIS_URL=sentinels.url,
        REDIS_TIMEOUT_SECONDS=0.5,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        BCRYPT_ROUNDS=4,
        RATELIMIT_LOGIN="1000 per hour",
        RATELIMIT_PASSWORD_CHECKS="100000 per hour",
        BACKOFF_AFTER=100,
        ACCOUNT_BACKOFF_AFTER=100,
    )
    init_db(env)
    with Gunicorn(env, workers=2, threads=2) as running:
        yield running, smtp
    smtp.stop()


def login_hits(sentinels, port: int) -> int:
    """The login limit's count, as the Redis server on port holds it."""
    client = sentinels.client(port)
    keys = [k for k in client.scan_iter(match="LIMITS:*") if "login" in k and "1000" in k]
    return sum(int(client.get(k) or 0) for k in keys)


def logins(server, count: int) -> list[int]:
    """count logins with the right password (each one a hit of the login limit); statuses."""
    body = {"email": EMAIL, "password": PASSWORD}
    return [server.post("/api/auth/login", body)[0] for _ in range(count)]


def access_without_2fa(server, secret: str) -> str:
    """Turn 2FA off (step-up with a TOTP) and log in: an access token for a user with no 2FA."""
    status, body = server.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    status, body = server.post(
        "/api/auth/2fa/verify", {"otp": totp(secret)}, body["challengeToken"]
    )
    assert status == 200, body
    step_up = {"password": PASSWORD, "otp": totp(secret, 1)}
    status, body = server.post("/api/auth/2fa/disable", step_up, body["accessToken"])
    assert status == 200, body
    status, body = server.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    return body["accessToken"]


def test_state_and_limits_follow_the_primary_through_a_failover_and_a_kill(sentinels, server):
    server, smtp = server
    secret = register_user(server, smtp, EMAIL, PASSWORD, "250788777888")
    access = access_without_2fa(server, secret)
    status, body = server.post("/api/auth/2fa/setup", {}, access)  # a pending setup, in Redis
    assert status == 200, body
    assert logins(server, HITS) == [200] * HITS  # every worker holds connections to the primary

    before = login_hits(sentinels, sentinels.primary())
    new = sentinels.failover()
    time.sleep(1)  # the demoted primary still takes writes: a kept connection would use it
    assert logins(server, HITS) == [200] * HITS
    assert login_hits(sentinels, new) == before + HITS  # none lost to the old primary
    status, body = server.post("/api/auth/2fa/verify", {"otp": totp(body["secretKey"])}, access)
    assert (status, body["message"]) == (200, "Code verified successfully")  # the setup survived

    sentinels.settle()
    before = login_hits(sentinels, new)
    killed = time.monotonic()
    survivor = sentinels.kill_primary()
    counted_in_a_row = 0  # both workers back on Redis: flask-limiter re-tries it after 1, 2, 4 s
    while counted_in_a_row < HITS:
        assert time.monotonic() < killed + RECOVERY, "logins not counted on the new primary"
        seen = login_hits(sentinels, survivor)
        assert logins(server, 1) == [200]  # counted in each worker's memory meanwhile
        counted = login_hits(sentinels, survivor) == seen + 1
        counted_in_a_row = counted_in_a_row + 1 if counted else 0
        time.sleep(0.1)
    assert "Traceback" not in server.output()
    sentinels.rejoin(sentinels.ports[0] + sentinels.ports[1] - survivor)


def test_a_demoted_primary_s_read_only_error_is_retried_on_the_new_one(sentinels, monkeypatch):
    primary = sentinels.primary()
    replica = sentinels.ports[0] + sentinels.ports[1] - primary  # read-only, as a demoted one
    client = redis_sentinel.sentinel_client(parse_sentinel_url(sentinels.url), 0.5)
    manager = client.connection_pool.sentinel_manager
    answers = iter([("127.0.0.1", replica)])  # a sentinel that has not heard of a failover
    real = manager.discover_master
    monkeypatch.setattr(manager, "discover_master", lambda name: next(answers, None) or real(name))
    assert client.incr("kept") == 1  # READONLY, then again on the primary the others name
    assert sentinels.client(primary).get("kept") == "1"


def test_stalled_sentinels_cost_one_request_a_deadline_now_and_then(sentinels):
    client = redis_sentinel.sentinel_client(parse_sentinel_url(sentinels.url), 0.5)
    client.set("stalled", "0")  # a connection to the primary
    sentinels.pause_sentinels()
    try:
        waits, end = [], time.monotonic() + 3
        while time.monotonic() < end:
            started = time.monotonic()
            client.incr("stalled")  # the primary answers: only asking the sentinels waits
            waits.append(time.monotonic() - started)
            time.sleep(0.05)
    finally:
        sentinels.resume_sentinels()
    assert len([w for w in waits if w > 0.4]) == 1, waits  # then none asked for a while
    assert client.get("stalled") == str(len(waits))


def test_check_config_asks_the_sentinels_and_refuses_a_url_that_cannot_work(sentinels, tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/mfa.sqlite3",
        REDIS_URL=sentinels.url,
        MAIL_SERVER="127.0.0.1",
    )
    init_db(env)
    assert "The configuration is fine." in check_config(env)[1]
    bad = "redis+sentinel://127.0.0.1/mfa/0"  # no port
    code, output = check_config({**env, "MFA_REDIS_URL": bad})
    assert code == 1 and "error: REDIS_URL needs sentinels as host:port" in output, output
    wrong_name = sentinels.url.replace("/mfa/", "/nobody/")
    code, output = check_config({**env, "MFA_REDIS_URL": wrong_name})
    assert code == 1 and "No master found for 'nobody'" in output, output


def check_config(env: dict) -> tuple[int, str]:
    """`flask check-config`: its exit code and output."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "check-config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr
