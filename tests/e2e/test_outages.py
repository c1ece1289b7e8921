"""Outages under load, through gunicorn (2 gthread workers): a paused or killed MariaDB, a paused or
restarted Redis, an SMTP server that accepts and never answers. Every answer is JSON and comes
within its dependency's deadline + 1 s (a 503 during the fault), never gunicorn's timeout; the
service recovers on its own within seconds; nothing is half-written, no code works twice, and a
logout survives Redis losing everything."""

from __future__ import annotations

import itertools
import time

import pytest

from mfa_api.db import connect
from tests.e2e.deps import Load, PrivateMariaDB, PrivateRedis, StalledSmtp, call
from tests.e2e.server import Gunicorn, init_db, register_user, service_env, totp
from tests.smtp import SmtpSink

EMAIL, PASSWORD = "steady@example.com", "steady-long-password"
DEADLINES = {
    "DB_CONNECT_TIMEOUT_SECONDS": 1,
    "DB_TIMEOUT_SECONDS": 2,
    "REDIS_TIMEOUT_SECONDS": 0.5,
    "MAIL_TIMEOUT_SECONDS": 2,
    "BREAKER_SECONDS": 2,
    "BCRYPT_ROUNDS": 4,
    # the load repeats itself: request limits are not what is under test
    "RATELIMIT_LOGIN": "100000 per minute",
    "RATELIMIT_VERIFY": "100000 per minute",
    "RATELIMIT_REGISTER": "100000 per minute",
    "RATELIMIT_2FA_GENERATE": "100000 per minute",
    "RATELIMIT_PASSWORD_CHECKS": "100000 per minute",
}
DB_BUDGET = 2 + 1  # the read deadline (a ping, or a query), and 1 s
RECOVERY = 2 + 3  # the breaker's interval, then a few seconds


@pytest.fixture(scope="module")
def mariadb():
    """A MariaDB of this module's own."""
    server = PrivateMariaDB().start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def service(database_url: str, **settings):
    """gunicorn on a fresh schema, with short deadlines; threads enough for the load, so that
    no request queues behind another (sync workers would add a waiting request's time)."""
    env = service_env(DATABASE_URL=database_url, **DEADLINES, **settings)
    init_db(env)
    return Gunicorn(env, workers=2, threads=4)


def access_token(server, secret: str, steps_ahead: int) -> str:
    """Log in on the 2FA face (password, then a TOTP step not used yet)."""
    _, body = server.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    _, body = server.post(
        "/api/auth/2fa/verify", {"otp": totp(secret, steps_ahead)}, body["challengeToken"]
    )
    return body["accessToken"]


def assert_answers_held(load: Load, budget: float, server: Gunicorn) -> None:
    """Every answer JSON, none slower than budget, none of them gunicorn's own."""
    assert load.answers, "the load sent nothing"
    for answer in load.answers:
        assert answer.json, answer
        assert answer.seconds <= budget, answer
        assert answer.status < 500 or answer.status == 503, (answer, _first_error(server))
    assert "WORKER TIMEOUT" not in server.output()


def paused_under_load(server: Gunicorn, kinds: dict, dependency) -> tuple[Load, float, float]:
    """Run the load, pause the dependency for 5 s in its middle, let it recover; the load's
    answers, and when the pause began and ended."""
    with Load(server.base, kinds) as load:
        time.sleep(1.5)
        paused = time.monotonic()
        dependency.pause()
        time.sleep(5)
        dependency.resume()
        resumed = time.monotonic()
        time.sleep(RECOVERY + 2)
    return load, paused, resumed


def _first_error(server: Gunicorn) -> str:
    log = server.output()
    start = log.find("Traceback")
    return log[max(0, start - 300) : start + 3000] if start >= 0 else "(no traceback in the log)"


def test_a_paused_database_gets_fast_503s_and_the_service_recovers(mariadb, smtp):
    with service(mariadb.url("paused"), MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port) as server:
        secret = register_user(server, smtp, EMAIL, PASSWORD, "250788100100")
        token = access_token(server, secret, 0)
        assert server.post("/mfa-php/api/login", {"email": EMAIL, "password": PASSWORD})[0] == 200
        code = smtp.last_code(EMAIL)
        verify = {"email": EMAIL, "email_otp": code}
        kinds = {
            "login": lambda base: call(
                base, "POST", "/api/auth/login", {"email": EMAIL, "password": PASSWORD}
            ),
            "events": lambda base: call(base, "GET", "/api/auth/events", token=token),
            "verify": lambda base: call(
                base, "POST", "/mfa-php/api/verify", {**verify, "auth_code": totp(secret, 1)}
            ),
        }
        load, paused, resumed = paused_under_load(server, kinds, mariadb)
        assert_answers_held(load, DB_BUDGET, server)
        assert any(a.status == 503 for a in load.between(paused, resumed))
        after = load.between(resumed + RECOVERY, float("inf"))
        assert after and all(a.status != 503 for a in after), after
        verified = [a for a in load.answers if a.name == "verify" and a.status == 200]
        assert len(verified) <= 1  # the emailed code answered once at most


def test_a_killed_database_gets_503s_and_the_service_reconnects_when_it_is_back(mariadb, smtp):
    with service(mariadb.url("killed"), MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port) as server:
        secret = register_user(server, smtp, EMAIL, PASSWORD, "250788100101")
        token = access_token(server, secret, 0)
        kinds = {"events": lambda base: call(base, "GET", "/api/auth/events", token=token)}
        with Load(server.base, kinds) as load:
            time.sleep(1)
            mariadb.kill()
            killed = time.monotonic()
            time.sleep(3)
            mariadb.start()
            back = time.monotonic()
            time.sleep(RECOVERY + 2)
        assert_answers_held(load, DB_BUDGET, server)
        assert any(a.status == 503 for a in load.between(killed, back))
        after = load.between(back + RECOVERY, float("inf"))
        assert after and all(a.status == 200 for a in after), after


@pytest.fixture
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.kill()


def test_a_paused_redis_slows_nothing_and_only_what_lives_there_is_a_503(
    mariadb, smtp, redis_server
):
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "REDIS_URL": redis_server.url}
    with service(mariadb.url("redis_paused"), **settings) as server:
        secret = register_user(server, smtp, EMAIL, PASSWORD, "250788100102")
        token = access_token(server, secret, 0)
        _, off = server.post(
            "/api/auth/2fa/disable", {"password": PASSWORD, "otp": totp(secret, 1)}, token
        )
        token = off["accessToken"]  # 2FA off: a pending setup (in Redis) may be started
        kinds = {
            "login": lambda base: call(
                base, "POST", "/api/auth/login", {"email": EMAIL, "password": PASSWORD}
            ),
            "setup": lambda base: call(base, "POST", "/api/auth/2fa/setup", token=token),
        }
        load, paused, resumed = paused_under_load(server, kinds, redis_server)
        assert_answers_held(load, 0.5 + 0.5 + 1, server)  # our client's and the limiter's
        during = load.between(paused + 1, resumed)
        assert all(a.status == 200 for a in during if a.name == "login"), during
        assert any(a.status == 503 for a in during if a.name == "setup"), during
        after = load.between(resumed + RECOVERY, float("inf"), "setup")
        assert after and all(a.status == 200 for a in after), after


def test_a_logout_survives_redis_losing_everything(mariadb, smtp, redis_server):
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "REDIS_URL": redis_server.url}
    with service(mariadb.url("redis_lost"), **settings) as server:
        secret = register_user(server, smtp, EMAIL, PASSWORD, "250788100103")
        token = access_token(server, secret, 0)
        assert server.call("GET", "/api/auth/events", None, token)[0] == 200
        assert server.post("/api/auth/logout", {}, token)[0] == 200
        redis_server.kill()
        redis_server.start()  # empty: no persistence
        time.sleep(2.5)  # past the breaker the restart may have opened
        assert server.call("GET", "/api/auth/events", None, token)[0] == 401


def test_a_stalled_mail_server_gets_fast_503s_writes_nothing_and_recovers(mariadb):
    stalled = StalledSmtp()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": stalled.port}
    url = mariadb.url("mail_stalled")
    numbers = itertools.count()

    def register(base):
        n = next(numbers)
        body = {
            "names": "N",
            "email": f"new{n}@example.com",
            "phone": f"25078820{n:04d}",
            "password": PASSWORD,
        }
        return call(base, "POST", "/mfa-php/api/register", body)

    def wrong_login(base):  # needs no mail: must not queue behind those that do
        body = {"email": f"nobody{next(numbers)}@example.com", "password": PASSWORD}
        return call(base, "POST", "/mfa-php/api/login", body)

    with service(url, **settings) as server:
        with Load(server.base, {"register": register, "login": wrong_login}) as load:
            time.sleep(6)
        assert_answers_held(load, 2 + 1, server)
        assert {a.status for a in load.answers if a.name == "register"} == {503}
        assert {a.status for a in load.answers if a.name == "login"} == {401}
        db = connect(url)
        try:
            assert db.fetch_one("SELECT COUNT(*) AS n FROM waiting_users", ())["n"] == 0
        finally:
            db.close()
        stalled.stop()
        sink = SmtpSink(stalled.port).start()
        try:
            time.sleep(2.5)  # past the mail breaker
            status, _, body = register(server.base)
            assert status == 200, body
        finally:
            sink.stop()
