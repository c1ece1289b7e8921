"""deploy/cluster/ for real: galera_health.py against Galera nodes of the test's own (one-node
clusters, Debian's galera-4) and a plain MariaDB: 200 for a Synced node of the primary
component, 503 naming what is wrong otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pymysql
import pytest

from tests.e2e.deps import GALERA_PROVIDER, PrivateMariaDB, StalledSmtp
from tests.e2e.galera_proxy import CLUSTER, ask, client, health_check
from tests.e2e.web_servers import rewritten
from tests.services import REQUIRE_SERVICES
from tests.smtp import free_port


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
    # one after the other: two mariadb-install-db at once can crash (their temporary tables)
    started = [PrivateMariaDB(galera=True).start() for _ in range(2)]
    yield started
    for node in started:
        node.stop()


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
