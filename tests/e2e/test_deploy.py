"""deploy/ booted for real: nginx in front of gunicorn started as the systemd unit starts it,
and Apache + mod_wsgi with both virtual-host shapes, each serving the end-to-end flows of both
faces. The servers are Debian's (deploy/install-servers.sh, run by `make test`)."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.server import (
    BIN,
    ENCRYPTION_KEYS,
    SECRET_KEY,
    Gunicorn,
    HttpClient,
    init_db,
    register_user,
    service_env,
    totp,
    unit_command,
)
from tests.e2e.web_servers import (
    Apache,
    Nginx,
    checkout_copy,
    servers_installed,
    shared_dir,
    system_venv,
)
from tests.services import MYSQL_URL, fresh_mysql_database
from tests.smtp import SmtpSink

pytestmark = pytest.mark.skipif(
    not servers_installed() and os.environ.get("MFA_TEST_REQUIRE_SERVICES") != "1",
    reason="nginx, apache2 or mod_wsgi missing: run deploy/install-servers.sh as root",
)


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


class Secrets(list):
    """Every secret a flow used, to look for in the logs afterwards."""

    def find_in(self, log: str) -> list[str]:
        """The secrets that appear in log (6-digit codes only as whole numbers)."""
        found = []
        for secret in self:
            pattern = rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])"
            if re.search(pattern if secret.isdigit() else re.escape(secret), log):
                found.append(secret)
        return found


def both_faces(client: HttpClient, smtp: SmtpSink, email: str, used: Secrets) -> None:
    """Sign up, log in and use the 2FA face through client: mfa-php's register and verify,
    login through index.php?path= and the bare base URL, bearer tokens on the 2FA face, a 2FA
    login finished with a code resent by mail, backup codes (step-up) and a login recovered
    with one, and a logout."""
    password = "Deploy-" + secrets.token_hex(8)
    phone = "2507" + str(secrets.randbelow(10**8)).zfill(8)
    secret = register_user(client, smtp, email, password, phone)
    used += [password, secret, smtp.last_code(email), totp(secret, -1)]

    body = {"email": email, "password": password}
    status, answer = client.post("/mfa-php/api/index.php?path=login", body)
    assert (status, answer["message"]) == (200, "OTP generated"), answer
    code, auth_code = smtp.last_code(email), totp(secret)
    verify = {"email": email, "email_otp": code, "auth_code": auth_code}
    status, answer = client.post("/mfa-php/api?path=verify", verify)
    assert status == 200, answer
    legacy_token = answer["data"]["token"]
    used += [code, auth_code, legacy_token]

    status, answer = client.call("GET", "/api/auth/events?limit=5", token=legacy_token)
    assert status == 200 and answer["events"], answer  # the Authorization header got through

    status, answer = client.post("/api/auth/login", body)
    assert status == 200 and answer["requires2fa"], answer
    challenge = answer["challengeToken"]
    status, answer = client.post("/api/auth/2fa/resend-otp", {"channel": "email"}, challenge)
    assert status == 200, answer
    code = smtp.last_code(email)
    status, answer = client.post("/api/auth/2fa/verify", {"otp": code}, challenge)
    assert status == 200, answer
    access = answer["accessToken"]
    used += [challenge, code, access]

    step_up = {"password": password, "otp": totp(secret, 1)}
    status, answer = client.post("/api/auth/2fa/backup-codes", step_up, access)
    assert status == 200 and len(answer["backupCodes"]) == 10, answer
    backup_codes, access = answer["backupCodes"], answer["accessToken"]
    used += [step_up["otp"], access, *backup_codes]
    status, answer = client.post("/api/auth/login", body)
    challenge = answer["challengeToken"]
    status, answer = client.post(
        "/api/auth/2fa/recover", {"backup_code": backup_codes[0]}, challenge
    )
    assert status == 200 and answer["remainingBackupCodes"] == 9, answer
    access = answer["accessToken"]
    used += [challenge, access]

    assert client.post("/api/auth/logout", {}, access)[0] == 200
    assert client.call("GET", "/api/auth/events", token=access)[0] == 401


def request_log_lines(log: str) -> list[dict]:
    """The JSON request-log lines (LOG_FORMAT=json) of a server's output."""
    lines = []
    for line in log.splitlines():
        start = line.find('{"time":')
        if start >= 0:
            lines.append(json.loads(line[start:]))
    return lines


@pytest.fixture(scope="module")
def behind_nginx(smtp, tmp_path_factory):
    """gunicorn started as deploy/mfa-api.service starts it (deploy/gunicorn.conf.py, 2
    workers, PROXY_COUNT=1) behind nginx with deploy/nginx/mfa-api.conf."""
    database = tmp_path_factory.mktemp("nginx") / "db.sqlite3"
    env = service_env(
        DATABASE_URL=f"sqlite:///{database}",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        BCRYPT_ROUNDS=4,
        PROXY_COUNT=1,
        RATELIMIT_REGISTER="4 per 15 minutes",
        LOG_FORMAT="json",
        METRICS_ENABLED="true",
    )
    init_db(env)
    with Gunicorn(env, workers=2, command=unit_command()) as app, Nginx(app.port) as nginx:
        yield app, nginx


def test_both_faces_through_nginx_and_the_log_holds_no_secret(behind_nginx, smtp):
    app, nginx = behind_nginx
    used = Secrets([SECRET_KEY, *json.loads(ENCRYPTION_KEYS)])
    both_faces(nginx, smtp, "nginx-flow@example.com", used)

    log = app.output()
    assert used.find_in(log) == []
    lines = request_log_lines(log)
    routes = {(line["method"], line["route"], line["status"]) for line in lines}
    assert ("POST", "/mfa-php/api/verify", 200) in routes  # index.php?path= named as such
    assert ("POST", "/api/auth/2fa/verify", 200) in routes
    assert {line["ip"] for line in lines} == {"127.0.0.1"}  # nginx's client, via X-Forwarded-For
    assert any(line["user_id"] for line in lines if line["route"] == "/api/auth/logout")
    assert all(line["duration_ms"] >= 0 and line["request_id"] for line in lines)


def test_a_forged_x_forwarded_for_does_not_change_the_rate_limit_key(behind_nginx):
    app, nginx = behind_nginx
    statuses = []
    for n in range(6):  # RATELIMIT_REGISTER is 4 per 15 minutes per client IP
        forged = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
        statuses.append(nginx.exchange("POST", "/mfa-php/api/register", {}, headers=forged)[0])
    assert statuses[-1] == 429, statuses  # each forged address would have had its own limit
    ips = {line["ip"] for line in request_log_lines(app.output())}
    assert not any(ip.startswith("198.51.100.") for ip in ips)


def test_an_oversize_body_gets_the_face_s_json_413_from_nginx(behind_nginx):
    _, nginx = behind_nginx
    big = {"email": "a@example.com", "password": "x" * (64 * 1024)}
    status, body, headers = nginx.exchange("POST", "/mfa-php/api/login", big)
    assert status == 413 and headers["Content-Type"] == "application/json"
    assert body == {"success": False, "error": "Request body too large (64 KiB at most)"}
    status, body, _ = nginx.exchange("POST", "/api/auth/login", big)
    assert status == 413
    assert body == {"success": False, "message": "Request body too large (64 KiB at most)"}
    # the app's own answer, at the same limit, says the same (behind Apache, say)
    status, body, _ = HttpClient(f"http://127.0.0.1:{behind_nginx[0].port}").exchange(
        "POST", "/api/auth/login", big
    )
    assert (status, body["message"]) == (413, "Request body too large (64 KiB at most)")


def test_an_oversize_request_line_or_header_gets_a_json_error_from_nginx(behind_nginx):
    app, nginx = behind_nginx
    status, body, headers = nginx.exchange("GET", "/healthz?x=" + "a" * 5000)
    assert (status, headers["Content-Type"]) == (414, "application/json")
    assert body["success"] is False and body["message"] == body["error"]
    assert body["message"] == "Request URI too long (4 KiB at most)"
    status, body, headers = nginx.exchange("GET", "/healthz", headers={"X-Big": "b" * 5000})
    assert (status, headers["Content-Type"]) == (431, "application/json")
    assert body["message"].startswith("Request headers too large")
    many = {f"X-Header-{n}": "v" for n in range(150)}  # within nginx's 16 KiB: gunicorn takes it
    assert nginx.exchange("GET", "/healthz", headers=many)[0] == 200
    # gunicorn's own limits lie above nginx's: what nginx lets through, gunicorn serves
    direct = HttpClient(f"http://127.0.0.1:{app.port}")
    assert direct.exchange("GET", "/healthz?x=" + "a" * 4000)[0] == 200
    assert direct.exchange("GET", "/healthz", headers={"X-Big": "b" * 4000})[0] == 200


def test_request_ids_pass_through_nginx(behind_nginx):
    _, nginx = behind_nginx
    _, _, headers = nginx.exchange("GET", "/healthz", headers={"X-Request-Id": "lb-42.a_b"})
    assert headers["X-Request-Id"] == "lb-42.a_b"
    # the same id in nginx's log
    assert "request_id=lb-42.a_b" in nginx.wait_for_access_log("request_id=lb-42.a_b")
    _, _, headers = nginx.exchange("GET", "/healthz", headers={"X-Request-Id": "<script>"})
    assert re.fullmatch(r"[0-9a-f]{16}", headers["X-Request-Id"])
    _, _, headers = nginx.exchange("GET", "/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])  # nginx's own $request_id


def get_from(port: int, path: str, source: str) -> tuple[int, bytes]:
    """GET path from a given local source address; (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_metrics_are_served_to_loopback_only_through_nginx(behind_nginx):
    _, nginx = behind_nginx
    status, body = get_from(nginx.port, "/metrics", "127.0.0.1")
    assert status == 200 and b"mfa_http_requests_total" in body
    status, body = get_from(nginx.port, "/metrics", "127.0.0.2")  # another address
    assert (status, json.loads(body)["message"]) == (403, "Forbidden")


def test_metrics_add_up_across_two_workers(tmp_path):
    metrics_dir = shared_dir("mfa-metrics-")
    (metrics_dir / "counter_1.db").write_bytes(b"stale")  # an earlier run's: wiped at start
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MAIL_SERVER="127.0.0.1",
        METRICS_ENABLED="true",
    )
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    init_db(env)
    with Gunicorn(env, workers=2, command=unit_command()) as app:
        sent = 0
        deadline = time.monotonic() + 60
        while len(list(metrics_dir.glob("counter_*.db"))) < 2:  # until both workers counted
            assert time.monotonic() < deadline, "one worker answered everything"
            sent += concurrent_healthz(app, clients=8, each=5)
        for _ in range(4):  # whichever worker answers, the total is every worker's
            text = app_metrics(app)
            total = re.search(
                r'mfa_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)', text
            )
            assert total and float(total.group(1)) == sent, text
    assert not list(metrics_dir.glob("counter_1.db"))


def test_gunicorn_s_control_socket_needs_no_writable_home(tmp_path):
    # The unit's user has a home it cannot write (/srv/mfa-api under ProtectSystem=strict); a
    # file stands for it here, since root may write in any directory.
    (home := tmp_path / "home").write_text("")
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="127.0.0.1")
    init_db(env)
    env = {k: v for k, v in env.items() if k != "XDG_RUNTIME_DIR"} | {"HOME": str(home)}
    with Gunicorn(env, workers=1, command=unit_command()) as app:  # outside systemd: no socket
        assert app.call("GET", "/healthz")[0] == 200
        log = app.output()
    assert "Control server error" not in log and "Control socket listening" not in log

    runtime = shared_dir("mfa-run-")  # systemd's RuntimeDirectory=
    env["RUNTIME_DIRECTORY"] = str(runtime)
    with Gunicorn(env, workers=1, command=unit_command()) as app:
        app.process.send_signal(signal.SIGHUP)  # systemctl reload
        deadline = time.monotonic() + 30
        while app.output().count("Settings from ") < 2:  # the reloaded worker booted
            assert time.monotonic() < deadline, app.output()
            time.sleep(0.1)
        shown = subprocess.run(
            [str(BIN / "gunicornc"), "-s", str(runtime / "gunicorn.ctl"), "-c", "show workers"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert shown.returncode == 0, shown.stderr
        log = app.output()
    shutil.rmtree(runtime, ignore_errors=True)
    assert "Control server error" not in log
    assert f"Control socket listening at {runtime}/gunicorn.ctl" in log


def concurrent_healthz(app: HttpClient, clients: int, each: int) -> int:
    """GET /healthz from several clients at once; how many were sent (each answered 200)."""
    barrier = threading.Barrier(clients)

    def hit() -> None:
        barrier.wait()
        for _ in range(each):
            assert app.call("GET", "/healthz")[0] == 200

    threads = [threading.Thread(target=hit) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients * each


def app_metrics(app: HttpClient) -> str:
    """The text of /metrics."""
    with urllib.request.urlopen(app.base + "/metrics", timeout=10) as response:  # noqa: S310
        assert response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode()


@pytest.fixture(scope="module")
def apache_venv():
    """A virtualenv of Debian's Python with the requirements, as docs/operations.md has it for
    mod_wsgi."""
    where = shared_dir("mfa-venv-")
    yield system_venv(where, package=False)
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(scope="module")
def installed_venv():
    """A virtualenv of Debian's Python with the project installed by `pip install .`."""
    where = shared_dir("mfa-pkg-")
    yield system_venv(where, package=True)
    shutil.rmtree(where, ignore_errors=True)


@contextmanager
def apache_app_dir(database_url: str, smtp: SmtpSink):
    """/srv/mfa-api as a deployer makes it: the checkout, config.py beside wsgi.py."""
    app_dir = checkout_copy(shared_dir("mfa-srv-"))
    subprocess.run(["chmod", "-R", "a+rX", str(app_dir)], check=True)
    settings = {
        "SECRET_KEY": SECRET_KEY,
        "ENCRYPTION_KEYS": json.loads(ENCRYPTION_KEYS),
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "BCRYPT_ROUNDS": 4,
        "LOG_FORMAT": "json",
    }
    (app_dir / "config.py").write_text(
        "".join(f"{key} = {value!r}\n" for key, value in settings.items())
    )
    env = {k: v for k, v in service_env().items() if not k.startswith("MFA_")}
    env["MFA_CONFIG_FILE"] = str(app_dir / "config.py")
    init_db(env)
    yield app_dir
    shutil.rmtree(app_dir, ignore_errors=True)


@contextmanager
def apache_database(name: str):
    """MariaDB (as an mfa-php install has it) when the tests have one, else SQLite."""
    if MYSQL_URL:
        with fresh_mysql_database() as url:
            yield url
        return
    where = shared_dir("mfa-db-")
    yield f"sqlite:///{where}/db.sqlite3"
    shutil.rmtree(where, ignore_errors=True)


@contextmanager
def apache_serving(vhost: str, smtp: SmtpSink, venv: Path, document_root: Path | None = None):
    """Apache with deploy/apache/<vhost>, its database and app directory; (apache, app dir)."""
    with (
        apache_database(vhost) as url,
        apache_app_dir(url, smtp) as app_dir,
        Apache(vhost, app_dir, venv, document_root) as apache,
    ):
        yield apache, app_dir


def test_both_faces_through_apache_in_a_vhost_of_its_own(apache_venv, smtp):
    with apache_serving("mfa-api.conf", smtp, apache_venv) as (apache, app_dir):
        used = Secrets([SECRET_KEY])
        both_faces(apache, smtp, "apache-vhost@example.com", used)
        status, body = apache.call("GET", "/healthz")
        assert status == 200 and body["version"]
        assert apache.call("GET", "/readyz")[0] == 200
        log = apache.error_log()
    assert used.find_in(log) == []
    assert "Settings from " + str(app_dir / "config.py") in log  # beside wsgi.py, not the cwd
    assert any(line["route"] == "/api/auth/2fa/verify" for line in request_log_lines(log))


def raw_exchange(port: int, head: bytes) -> tuple[int, dict, dict]:
    """Send a request's head as is (urllib refuses some); (status, JSON body, headers)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head + b"Host: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head_part, _, body = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), json.loads(body), headers


def test_apache_answers_an_oversize_request_line_or_header_in_json(apache_venv, smtp):
    with apache_serving("mfa-api.conf", smtp, apache_venv) as (apache, _):
        long_line = b"GET /healthz?x=" + b"a" * 9000 + b" HTTP/1.1\r\n"
        status, body, headers = raw_exchange(apache.port, long_line)
        assert (status, headers["Content-Type"]) == (414, "application/json")
        assert body["success"] is False and body["message"] == body["error"]
        big_header = b"GET /healthz HTTP/1.1\r\nX-Big: " + b"b" * 9000 + b"\r\n"
        status, body, headers = raw_exchange(apache.port, big_header)
        assert (status, headers["Content-Type"]) == (400, "application/json")
        assert body["message"].startswith("Bad request")
        status, body = apache.post("/api/auth/login", {"email": "x"})  # the service's own 400
        assert status == 400 and body["errors"], body


def test_an_existing_php_site_moves_mfa_php_the_2fa_face_health_and_account(apache_venv, smtp):
    site = shared_dir("mfa-site-")
    (site / "index.html").write_text("<p>the PHP site, untouched</p>\n")
    with apache_serving("mfa-php-site.conf", smtp, apache_venv, site) as (apache, _):
        both_faces(apache, smtp, "apache-site@example.com", Secrets())
        status, body = apache.call("POST", "/mfa-php/api", {"email": "x"})  # bare base URL
        assert (status, body) == (404, {"status": "error", "message": "Endpoint not found: ''"})
        with urllib.request.urlopen(apache.base + "/", timeout=10) as response:  # noqa: S310
            assert b"the PHP site, untouched" in response.read()
        status, body = apache.call("GET", "/healthz")  # the load balancer's, and the upgrade's
        assert status == 200 and body["version"]
        assert apache.call("GET", "/readyz")[0] == 200
        status, page = get_from(apache.port, "/account", "127.0.0.1")  # the self-service page
        assert status == 200 and b"/account/static/account.js" in page
        for asset in ("account.js", "account.css"):
            assert get_from(apache.port, f"/account/static/{asset}", "127.0.0.1")[0] == 200
        status = get_from(apache.port, "/metrics", "127.0.0.1")[0]
        assert status == 404  # outside the mounts: the site's, not the service's
    shutil.rmtree(site, ignore_errors=True)


def test_pip_installed_package_works_from_any_directory(installed_venv, tmp_path):
    python = str(Path(installed_venv) / "bin" / "python")
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="127.0.0.1")
    flask = [str(Path(installed_venv) / "bin" / "flask"), "--app", "mfa_api.wsgi"]
    done = subprocess.run(
        [*flask, "init-db"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "Applied: 001_mfa_php" in done.stdout, done.stderr
    done = subprocess.run(
        [*flask, "version"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip().startswith("mfa-api ")
    where = subprocess.run(
        [python, "-c", "import mfa_api; print(mfa_api.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "site-packages" in where  # the installed copy, not the checkout
