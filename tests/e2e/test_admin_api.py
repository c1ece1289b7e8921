"""The admin API against a live gunicorn (two workers): off until `flask api-keys create`,
the key's budget shared by every worker through Redis, the unlock mail sent over SMTP, and the
key's secret in no log line and no row."""

import time

import pytest

from mfa_api.db import connect
from tests.e2e.server import Gunicorn, flask_command, init_db, register_user, service_env
from tests.services import fresh_redis_prefix
from tests.smtp import SmtpSink

EMAIL = "admin-e2e@example.com"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def test_a_back_office_drives_the_admin_api_of_a_live_server(tmp_path, smtp):
    with fresh_redis_prefix() as (url, prefix):
        env = service_env(
            DATABASE_URL=f"sqlite:///{tmp_path}/admin.sqlite3",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
            BCRYPT_ROUNDS=4,
            REDIS_URL=url,
            REDIS_PREFIX=prefix,
            RATELIMIT_ADMIN="6 per minute",
        )
        init_db(env)
        with Gunicorn(env, workers=2) as server:
            register_user(server, smtp, EMAIL, "admin-e2e-password", "250788555001")
            assert server.call("GET", f"/api/admin/users/{EMAIL}")[0] == 404  # off
            printed = flask_command(
                env, "api-keys", "create", "--name", "crm", "--scopes", "users:read,users:write"
            )
            key = printed.strip().splitlines()[-1]
            status, body = server.call("GET", f"/api/admin/users/{EMAIL}", token=key)
            assert status == 200 and body["user"]["email"] == EMAIL
            assert server.call("GET", "/api/admin/events", token=key)[0] == 403
            sent = len(smtp.inbox)
            assert server.call("POST", f"/api/admin/users/{EMAIL}/unlock", token=key)[0] == 200
            deadline = time.monotonic() + 5
            while len(smtp.inbox) == sent and time.monotonic() < deadline:
                time.sleep(0.05)
            assert EMAIL in smtp.inbox[-1]["To"] and "unlocked" in smtp.text_of(smtp.inbox[-1])
            statuses = [
                server.call("GET", f"/api/admin/users/{EMAIL}", token=key)[0] for _ in range(4)
            ]
            assert statuses == [200, 200, 200, 429]  # 6 a minute, over both workers
            listed = flask_command(env, "api-keys", "list")
            assert "crm" in listed and "last-used=20" in listed
            secret = key.split("_", 3)[3]
            assert secret not in server.output() and secret not in listed
        db = connect(env["MFA_DATABASE_URL"])
        try:
            rows = db.fetch_all("SELECT * FROM security_events", ())
            assert sum(r["event"] == "admin_api_call" for r in rows) == 7
            assert secret not in str(rows)
        finally:
            db.close()
