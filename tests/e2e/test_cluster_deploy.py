"""deploy/cluster/ for real, with Debian's servers: galera.cnf as mariadbd reads it;
galera_health.py against Galera nodes of the test's own (one-node clusters) and a plain MariaDB;
HAProxy with haproxy.cfg (only its addresses and paths replaced) routing through it: one writer,
away from a node that is not Synced, staying on the new one when the old comes back and across a
reload; redis.conf and sentinel.conf giving the app a primary it can write; mfa-api.env holding
settings the service accepts."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pymysql
import pytest
import redis
from cryptography.fernet import Fernet
from dotenv import dotenv_values
from flask import Flask

from mfa_api import redis_sentinel
from mfa_api.config import DEFAULTS, load_config
from mfa_api.config_check import problems
from mfa_api.redis_client import parse_sentinel_url
from tests.e2e.deps import GALERA_PROVIDER, PrivateMariaDB, StalledSmtp, wait_for_port
from tests.e2e.galera_proxy import CLUSTER, HAPROXY, HAProxy, ask, client, health_check
from tests.e2e.server import ROOT
from tests.e2e.test_database_tls import make_ca
from tests.e2e.web_servers import rewritten
from tests.services import REQUIRE_SERVICES
from tests.smtp import free_port

KEY = "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc"  # a generated SECRET_KEY, for tests


def missing(message: str) -> None:
    """Skip, or fail when CI requires every service."""
    message += ": run deploy/install-servers.sh as root"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (MFA_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def nodes():
    """Two Galera nodes, each a one-node cluster of its own, on loopback."""
    if not os.path.exists(GALERA_PROVIDER):
        missing("galera-4 is not installed")
    started = []
    try:  # one after the other: two mariadb-install-db at once can crash (temporary tables)
        for _ in range(2):
            started.append(PrivateMariaDB(galera=True).start())
        yield started
    finally:  # the first too when the second cannot start
        for node in started:
            node.stop()


@pytest.fixture
def haproxy_binary():
    if not HAPROXY.exists():
        missing("haproxy is not installed")
    return HAPROXY


def eventually(probe, expected, seconds: float = 10):
    """probe() once it returns expected (a node just started takes a moment to be Synced)."""
    deadline = time.monotonic() + seconds
    while (got := probe()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return got


def set_desync(node: PrivateMariaDB, on: bool) -> None:
    """Desynchronise a node as a donor is while it sends a joiner its state (or end it)."""
    conn = pymysql.connect(host="127.0.0.1", port=node.port, user="root", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"SET GLOBAL wsrep_desync = {'ON' if on else 'OFF'}")
    conn.close()


def test_mariadb_takes_the_node_config_and_leaves_sync_wait_to_the_app():
    if not os.path.exists(GALERA_PROVIDER):
        missing("galera-4 is not installed")
    done = subprocess.run(  # an unknown setting would be exit status 7
        ["/usr/sbin/mariadbd", f"--defaults-file={CLUSTER / 'galera.cnf'}", "--verbose", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    rows = (line.split() for line in done.stdout.splitlines())
    values = {row[0]: row[1] for row in rows if len(row) == 2}
    assert values["wsrep-on"] == "TRUE"
    assert values["wsrep-provider"] == GALERA_PROVIDER
    assert values["binlog-format"] == "ROW"
    assert values["innodb-autoinc-lock-mode"] == "2"
    assert values["wsrep-sync-wait"] == "0"  # mfa_api/db.py sets it per connection


def test_haproxy_accepts_the_shipped_config(haproxy_binary):
    done = subprocess.run(
        [str(haproxy_binary), "-c", "-f", str(CLUSTER / "haproxy.cfg")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_health_check_says_synced_then_names_the_state(nodes):
    node = nodes[0]
    with health_check(node.port) as port:
        assert eventually(lambda: ask(port), (200, "Synced Primary\n")) == (200, "Synced Primary\n")
        set_desync(node, True)
        try:
            assert ask(port) == (503, "Donor/Desynced\n")
        finally:
            set_desync(node, False)
        assert eventually(lambda: ask(port), (200, "Synced Primary\n")) == (200, "Synced Primary\n")


def test_the_health_check_names_a_client_that_fails_or_hangs_without_its_password():
    nobody = client(free_port()) + ["--password=never-shown"]  # nothing listens there
    with health_check(0, nobody) as port:
        status, body = ask(port)
    assert status == 503
    assert body.startswith("client failed: ERROR 2002 (HY000): Can't connect"), body
    assert "never-shown" not in body and body.count("\n") == 1
    silent = StalledSmtp()  # accepts connections and never says a word, as a hung server
    try:
        with health_check(silent.port, timeout=0.5) as port:
            assert ask(port) == (503, "client failed: no answer in 0.5 s\n")
    finally:
        silent.stop()


def test_the_health_check_needs_an_account_without_privileges(nodes, tmp_path):
    node = nodes[0]
    conn = pymysql.connect(host="127.0.0.1", port=node.port, user="root", autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS 'health'@'localhost' IDENTIFIED BY 'h-secret'")
    conn.close()
    options = rewritten(
        CLUSTER / "galera-health.cnf",
        {"<a long random password>": "h-secret", "/run/mysqld/mysqld.sock": f"{node.dir}/sock"},
    )
    (tmp_path / "galera-health.cnf").write_text(options)
    command = ["mariadb", f"--defaults-extra-file={tmp_path}/galera-health.cnf"]  # the unit's
    with health_check(node.port, command) as port:
        assert eventually(lambda: ask(port), (200, "Synced Primary\n")) == (200, "Synced Primary\n")


def test_the_unit_is_one_systemd_accepts(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is missing")
    unit = tmp_path / "galera-health.service"
    unit.write_text((CLUSTER / "galera-health.service").read_text())
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_the_health_check_refuses_a_mariadb_without_wsrep():
    plain = PrivateMariaDB().start()
    try:
        with health_check(plain.port) as port:
            assert ask(port) == (503, "wsrep off\n")
    finally:
        plain.stop()


def test_haproxy_keeps_one_writer_moves_off_a_desynced_node_and_stays_moved(nodes, haproxy_binary):
    db1, db2 = nodes
    with health_check(db1.port) as check1, health_check(db2.port) as check2:
        for port in (check1, check2):
            assert eventually(lambda port=port: ask(port)[0], 200) == 200
        dead = (free_port(), free_port())  # db3: down, so it never takes a connection
        with HAProxy([(db1.port, check1), (db2.port, check2), dead], haproxy_binary) as proxy:
            assert proxy.node_port() == db1.port  # the active server; db2 is a backup
            held = pymysql.connect(host="127.0.0.1", port=proxy.port, user="root")
            set_desync(db1, True)
            try:
                assert eventually(proxy.node_port, db2.port, 5) == db2.port
                with pytest.raises(pymysql.err.OperationalError), held.cursor() as cur:
                    cur.execute("SELECT 1")  # closed when db1 was marked down
            finally:
                set_desync(db1, False)
            assert eventually(lambda: proxy.server_up("db1"), True) is True
            assert proxy.node_port() == db2.port  # db1 is back, the writer stays db2
            proxy.reload()  # the peers section hands the writer over to the new process
            assert proxy.node_port() == db2.port

            for node in nodes:  # no node healthy: no connection at all
                set_desync(node, True)
            try:
                assert eventually(proxy.node_port, None, 5) is None
            finally:
                for node in nodes:
                    set_desync(node, False)


def test_the_app_hosts_env_file_holds_settings_the_service_accepts(tmp_path, monkeypatch):
    filled = rewritten(
        CLUSTER / "mfa-api.env",
        {
            "<python3 -c 'import secrets; print(secrets.token_urlsafe(48))'>": KEY,
            "<flask --app wsgi gen-key>": Fernet.generate_key().decode(),
            "<password>": "p-secret",
            "<redis password>": "r-secret",
            "<user>": "mailer",
            "/etc/mfa-api/db-ca.pem": str(tmp_path / "db-ca.pem"),
        },
    )
    make_ca(tmp_path, "db-ca")  # the CA that signed the nodes' certificates
    (tmp_path / "env").write_text(filled)
    values = dotenv_values(tmp_path / "env")
    example = (ROOT / "config.example.py").read_text()  # MAIL_* are flask-mail's, not DEFAULTS
    known = {*DEFAULTS, *re.findall(r"^#? ?([A-Z_]+) = ", example, flags=re.MULTILINE)}
    assert set(values) <= {f"MFA_{key}" for key in known}  # no misspelt setting
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    app = Flask(__name__)
    assert load_config(app, None, tmp_path / "no-config.py") == []
    assert [p.message for p in problems(dict(app.config), development=False)] == []
    assert app.config["DB_TIMEOUT_SECONDS"] > 6  # Galera's eviction pause, measured at 5-6 s
    assert app.config["RATELIMIT_STORAGE_URI"] == app.config["REDIS_URL"]
    assert parse_sentinel_url(app.config["REDIS_URL"]).service == "mfa"  # sentinel.conf's


def redis_process(config: Path, port: int, *args: str) -> subprocess.Popen:
    """redis-server (or redis-sentinel, with --sentinel) with a config file; waits for it."""
    process = subprocess.Popen(
        ["redis-server", str(config), "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, 10)
    return process


def test_redis_and_sentinel_configs_give_the_app_a_primary_it_can_write(tmp_path):
    if shutil.which("redis-sentinel") is None:
        missing("redis-sentinel is not installed")
    password = "r-secret"
    primary, replica, sentinel = free_port(), free_port(), free_port()
    (tmp_path / "redis.conf").write_text(
        rewritten(
            CLUSTER / "redis.conf",
            {
                "bind 10.0.0.21 127.0.0.1 -::1": "bind 127.0.0.1",
                "<a long random password>": password,
            },
        )
    )
    (tmp_path / "sentinel.conf").write_text(
        rewritten(
            CLUSTER / "sentinel.conf",
            {
                "port 26379": f"port {sentinel}",
                "bind 10.0.0.21 127.0.0.1": "bind 127.0.0.1",
                "/run/sentinel/redis-sentinel.pid": str(tmp_path / "sentinel.pid"),
                "/var/log/redis/redis-sentinel.log": str(tmp_path / "sentinel.log"),
                "dir /var/lib/redis": f"dir {tmp_path}",
                "mfa 10.0.0.21 6379": f"mfa 127.0.0.1 {primary}",
                "<a long random password>": password,
            },
        )
    )
    # nothing on disk, in the foreground, and the replica's first copy at once (not after 5 s)
    keep = ["--dir", str(tmp_path), "--save", "", "--daemonize", "no"]
    keep += ["--repl-diskless-sync-delay", "0"]
    processes = [redis_process(tmp_path / "redis.conf", primary, *keep)]
    try:
        processes.append(
            redis_process(
                tmp_path / "redis.conf", replica, *keep, "--replicaof", "127.0.0.1", str(primary)
            )
        )
        processes.append(
            redis_process(tmp_path / "sentinel.conf", sentinel, "--sentinel", "--daemonize", "no")
        )
        url = f"redis+sentinel://:{password}@127.0.0.1:{sentinel}/mfa/0"
        app_client = redis_sentinel.sentinel_client(parse_sentinel_url(url), 2)
        assert eventually(lambda: _written(app_client), True) is True
        assert app_client.get("mfa-deploy-test") == "1"
        follower = redis.Redis(port=replica, password=password)
        with pytest.raises(redis.exceptions.ReadOnlyError):
            follower.set("mfa-deploy-test", "2")
        with socket.create_connection(("127.0.0.1", sentinel), timeout=2) as plain:
            plain.sendall(b"PING\r\n")  # the sentinel asks for the password too
            assert plain.recv(100).startswith(b"-NOAUTH")
    finally:
        for process in processes:
            process.kill()
            process.wait(10)


def _written(client) -> bool:
    try:
        return bool(client.set("mfa-deploy-test", "1"))
    except redis.exceptions.ResponseError:  # NOREPLICAS: the replica has not caught up yet
        return False
