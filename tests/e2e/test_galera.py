"""On a Galera node (a one-node cluster of the test's own, Debian's galera-4): reads wait for the
cluster's writes (wsrep_sync_wait), and /readyz names a node that is not Synced."""

from __future__ import annotations

import os
import time

import pymysql
import pytest

from mfa_api.db import connect
from tests.e2e.deps import GALERA_PROVIDER, PrivateMariaDB
from tests.helpers import make_app
from tests.services import REQUIRE_SERVICES, fresh_mysql_database

KEY = "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc"


@pytest.fixture(scope="module")
def galera():
    """A one-node Galera cluster on loopback."""
    if not os.path.exists(GALERA_PROVIDER):
        message = "galera-4 is not installed (make servers installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    server = PrivateMariaDB(galera=True).start()
    yield server
    server.stop()


def session_sync_wait(url: str) -> int:
    db = connect(url)
    try:
        return int(db.fetch_one("SELECT @@SESSION.wsrep_sync_wait AS w")["w"])
    finally:
        db.close()


def test_reads_wait_for_the_clusters_writes_on_galera_only(galera):
    assert session_sync_wait(galera.url("sync_wait")) == 1
    with fresh_mysql_database() as plain:  # MariaDB without Galera: left as it is
        assert session_sync_wait(plain) == 0


def set_desync(galera, on: bool) -> None:
    conn = pymysql.connect(host="127.0.0.1", port=galera.port, user="root", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"SET GLOBAL wsrep_desync = {'ON' if on else 'OFF'}")
    conn.close()


def ready(client) -> tuple[int, dict]:
    deadline = time.monotonic() + 10  # a node just started may take a moment to be Synced
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response.status_code, response.json
        time.sleep(0.2)


def test_readyz_names_a_node_that_is_not_synced(galera, caplog):
    app = make_app(
        {
            "TESTING": True,
            "SECRET_KEY": KEY,
            "DATABASE_URL": galera.url("readiness"),
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    assert ready(client)[0] == 200
    set_desync(galera, True)  # as a donor is, while it sends a joiner its state
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["failing"] == ["database"]
        assert "wsrep_local_state_comment is Donor/Desynced" in caplog.text
    finally:
        set_desync(galera, False)
    assert ready(client)[0] == 200
