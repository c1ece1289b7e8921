"""The contract against a live gunicorn: requests generated from /openapi.json by schemathesis
find no 5xx and no body off its schema; the Postman collection runs green with newman."""

import os
import subprocess

import pytest

from tests.e2e.server import BIN, ROOT, Gunicorn, init_db, register_user, service_env, totp
from tests.smtp import SmtpSink

EMAIL = "fuzz@example.com"
PASSWORD = "fuzz-long-password"
NEWMAN = ROOT / "postman" / "node_modules" / ".bin" / "newman"
# Fixed, so CI is repeatable; set MFA_FUZZ_SEED to explore further.
SEED = os.environ.get("MFA_FUZZ_SEED", "20261122")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
CHECKS += ",content_type_conformance"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def access_token(server, smtp) -> str:
    """A user with 2FA on, logged in on the 2FA face: the access token."""
    secret = register_user(server, smtp, EMAIL, PASSWORD, "250788123123")
    status, body = server.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200, body
    status, body = server.post(
        "/api/auth/2fa/verify", {"otp": totp(secret)}, body["challengeToken"]
    )
    assert status == 200, body
    return body["accessToken"]


def test_generated_requests_find_no_server_error_and_no_body_off_its_schema(tmp_path, smtp):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/fuzz.sqlite3",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        BCRYPT_ROUNDS=4,
        RATELIMIT_ENABLED="false",  # else most answers are 429 and the logic goes untried
    )
    init_db(env)
    with Gunicorn(env, workers=2) as server:
        token = access_token(server, smtp)
        command = [str(BIN / "st"), "run", f"{server.base}/openapi.json", "--checks", CHECKS]
        command += ["--phases", "examples,fuzzing", "--max-examples", "40", "--seed", SEED]
        command += ["-w", "2", "-H", f"Authorization: Bearer {token}", "--no-color"]
        # The token must live through the run: these two would end it (the API tests cover them)
        command += ["--exclude-operation-id", "account.logout"]
        command += ["--exclude-operation-id", "account.delete_account"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-12000:] + done.stderr[-3000:]
        assert "Traceback" not in server.output()
        print(done.stdout[-3000:])


def test_the_postman_collection_runs_green_with_newman(tmp_path):
    if not NEWMAN.exists():
        if os.environ.get("MFA_TEST_REQUIRE_SERVICES"):
            pytest.fail("newman is not installed: run make test (it runs npm ci in postman/)")
        pytest.skip("newman is not installed (make test installs it)")
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/postman.sqlite3", ALLOW_DEVELOPMENT_MODE="true"
    )
    env["FLASK_DEBUG"] = "1"  # the development outbox the collection reads codes from
    init_db(env)
    with Gunicorn(env, workers=2) as server:
        command = [str(NEWMAN), "run", "mfa-api.postman_collection.json"]
        command += ["-e", "local.postman_environment.json", "--env-var", f"baseUrl={server.base}"]
        command += ["--color", "off", "--disable-unicode"]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=600, cwd=ROOT / "postman"
        )
        assert done.returncode == 0, done.stdout[-12000:] + done.stderr[-3000:]
        assert "Traceback" not in server.output()
