"""Two Galera nodes of the tests' own: a certification conflict at COMMIT is run again, not a
503, and a write through one node is read at once through the other (wsrep_sync_wait)."""

from __future__ import annotations

import os
import shutil

import pytest

from mfa_api.db import connect
from tests.e2e.deps import GALERA_PROVIDER
from tests.e2e.galera_cluster import GaleraCluster
from tests.services import REQUIRE_SERVICES


@pytest.fixture(scope="module")
def cluster():
    """Two nodes on loopback (galera-4 and rsync; run as root, which the nodes' user needs)."""
    ready = os.path.exists(GALERA_PROVIDER) and shutil.which("rsync") and os.geteuid() == 0
    if not ready:
        message = "needs galera-4, rsync (make servers) and root, to run nodes as mysql"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    nodes = GaleraCluster(2).start()
    yield nodes
    nodes.stop()


def test_a_certification_conflict_at_commit_is_run_again(cluster):
    url_a, url_b = cluster.url(0, "conflict"), cluster.url(1, "conflict")
    a, b = connect(url_a), connect(url_b)
    a.execute("CREATE TABLE counters (id INT PRIMARY KEY, v INT NOT NULL)")
    a.execute("INSERT INTO counters VALUES (1, 0)")
    cluster.wait_synced(1)
    tries = []

    def work() -> None:
        a.execute("UPDATE counters SET v = v + 1 WHERE id = 1")
        if not tries:  # the first try: another node commits the same row meanwhile
            b.execute("UPDATE counters SET v = v + 10 WHERE id = 1")
        tries.append(1)

    a.atomically(work)  # node A's commit loses certification (1213), then runs again
    assert len(tries) == 2
    for db in (a, b):
        assert db.fetch_one("SELECT v FROM counters WHERE id = 1")["v"] == 11
    a.close()
    b.close()


def test_a_write_through_one_node_is_read_at_once_through_the_other(cluster):
    url_a, url_b = cluster.url(0, "ryw"), cluster.url(1, "ryw")
    a, b = connect(url_a), connect(url_b)
    a.execute("CREATE TABLE marks (id INT PRIMARY KEY)")
    missed = 0
    for n in range(300):
        a.execute("INSERT INTO marks VALUES (?)", (n,))
        missed += b.fetch_one("SELECT COUNT(*) AS n FROM marks WHERE id = ?", (n,))["n"] == 0
    assert missed == 0
    a.close()
    b.close()
