"""The database layer: placeholders, transactions, and reuse of a thread's connection."""

import threading
from urllib.parse import urlsplit

import pymysql
import pytest

from mfa_api.db import Database, DatabaseBusy, DatabaseUnavailable, Deadlines, connect, get_db
from tests.helpers import make_app
from tests.services import fresh_mysql_database
from tests.smtp import free_port


def test_literal_percent_signs_survive_the_placeholder_translation(database_url):
    db = connect(database_url)
    try:
        assert db.fetch_one("SELECT '100%' AS v, ? AS w", ("x?%",)) == {"v": "100%", "w": "x?%"}
    finally:
        db.close()


def test_a_failed_transaction_leaves_nothing_behind(app):
    with app.app_context():
        db = get_db()
        with pytest.raises(RuntimeError), db.transaction():
            db.execute("INSERT INTO ephemeral (k, v, expires_at) VALUES ('a', 'b', 1)")
            raise RuntimeError("half-way")
        assert db.fetch_one("SELECT k FROM ephemeral", ()) is None


def test_a_thread_reuses_its_connection_between_requests(app):
    with app.app_context():
        first = get_db()
    with app.app_context():
        assert get_db() is first


def test_a_request_that_failed_does_not_hand_its_connection_on(app):
    with pytest.raises(RuntimeError), app.app_context():
        first = get_db()
        raise RuntimeError("unhandled")
    with app.app_context():
        assert get_db() is not first


def test_another_database_gets_its_own_connection(app, tmp_path):
    other = make_app({**app.config, "DATABASE_URL": f"sqlite:///{tmp_path}/other.sqlite3"})
    with app.app_context():
        first = get_db()
    with other.app_context():
        assert get_db() is not first


def test_a_connection_the_server_killed_is_replaced_without_an_error(app_config):
    with fresh_mysql_database() as url:
        app = make_app({**app_config, "DATABASE_URL": url})
        with app.app_context():
            victim = get_db().fetch_one("SELECT CONNECTION_ID() AS id", ())["id"]
        admin = connect(url)
        admin.execute(f"KILL {int(victim)}")
        admin.close()
        with app.app_context():
            now_id = get_db().fetch_one("SELECT CONNECTION_ID() AS id", ())["id"]
        assert now_id != victim


def test_a_connection_cut_under_a_statement_fails_it_without_opening_the_breaker(mysql_url):
    """A Galera writer killed (or a proxy moving on) cuts every connection to it at once: each
    cut one fails its own request, and the next connection, not the breaker, says whether the
    database is there (it is: behind the proxy, another node)."""
    told = []
    victim = Database(mysql_url, Deadlines(read_write=10), on_unreachable=lambda: told.append(1))
    victim_id = victim.fetch_one("SELECT CONNECTION_ID() AS id")["id"]
    cutter = threading.Timer(0.3, lambda: connect(mysql_url).execute(f"KILL {int(victim_id)}"))
    cutter.start()
    with pytest.raises(DatabaseUnavailable):
        victim.fetch_one("SELECT SLEEP(3) AS slept")
    cutter.join()
    assert told == [] and victim.broken


def test_a_statement_past_its_deadline_opens_the_breaker(mysql_url):
    told = []
    slow = Database(mysql_url, Deadlines(read_write=0.3), on_unreachable=lambda: told.append(1))
    with pytest.raises(DatabaseUnavailable):
        slow.fetch_one("SELECT SLEEP(2) AS slept")
    assert told == [1]


def test_a_server_that_cannot_be_reached_opens_the_breaker():
    told = []
    url = f"mysql://root@127.0.0.1:{free_port()}/nowhere"
    with pytest.raises(DatabaseUnavailable):
        Database(url, Deadlines(connect=1), on_unreachable=lambda: told.append(1))
    assert told == [1]


@pytest.fixture
def mysql_url():
    """A fresh MariaDB database (deadlocks are InnoDB's)."""
    with fresh_mysql_database() as url:
        yield url


def test_a_real_deadlock_is_run_again_and_both_transactions_commit(mysql_url):
    setup = connect(mysql_url)
    setup.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB")
    setup.execute("INSERT INTO t VALUES (1, 0), (2, 0)")
    both_hold_one = threading.Barrier(2, timeout=10)
    runs = []

    def crossing(first: int, second: int):
        db = connect(mysql_url)

        def work():
            runs.append(first)
            db.execute("UPDATE t SET v = v + 1 WHERE id = ?", (first,))
            if runs.count(first) == 1:  # only the first run waits for the other to cross
                both_hold_one.wait()
            db.execute("UPDATE t SET v = v + 1 WHERE id = ?", (second,))

        try:
            db.atomically(work)
        finally:
            db.close()

    threads = [threading.Thread(target=crossing, args=pair) for pair in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    rows = setup.fetch_all("SELECT id, v FROM t ORDER BY id", ())
    setup.close()
    assert rows == [{"id": 1, "v": 2}, {"id": 2, "v": 2}]  # both committed, once each
    assert len(runs) == 3  # the deadlock's victim ran again


def test_conflicts_past_the_retries_are_a_503_that_says_why(mysql_url, monkeypatch, caplog):
    db = connect(mysql_url)
    monkeypatch.setattr(
        db, "_run", lambda *_: (_ for _ in ()).throw(pymysql.err.OperationalError(1213, "deadlock"))
    )
    with pytest.raises(DatabaseBusy):
        db.atomically(lambda: db.execute("SELECT 1"))
    with pytest.raises(DatabaseBusy):
        db.execute("SELECT 1")  # a statement alone is run again too
    assert "gave up" in caplog.text
    assert not db.broken  # a conflict is not an outage: the connection stays
    db.close()


def test_a_statement_alone_that_loses_to_a_lock_wait_is_run_again(mysql_url, monkeypatch):
    db = connect(mysql_url)
    real_run, failures = db._run, [pymysql.err.OperationalError(1205, "lock wait timeout")] * 2

    def flaky(sql, params):
        if failures:
            raise failures.pop()
        return real_run(sql, params)

    monkeypatch.setattr(db, "_run", flaky)
    assert db.fetch_one("SELECT 7 AS n", ()) == {"n": 7}
    db.close()


def test_mysql_connections_share_one_tls_context(mysql_url):
    """PyMySQL made one per connection, loading the system's CA certificates each time (~28 ms
    and ~0.8 MB); the connections still try TLS where the server offers it, as before."""
    first, second = connect(mysql_url), connect(mysql_url)
    try:
        assert first._conn.ctx is second._conn.ctx is not None
        assert first.fetch_one("SELECT 1 AS x") == {"x": 1}
        assert second.fetch_one("SELECT 1 AS x") == {"x": 1}
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("database_url", ["set below"])  # app_config's, once
def test_a_mysql_url_may_name_the_servers_unix_socket(mysql_url, app_config):
    """'mfa'@'localhost' (docs/operations.md's user) is a connection over the socket: on a server
    with skip_name_resolve a TCP connection is 'mfa'@'127.0.0.1', another account."""
    tcp = connect(mysql_url)
    try:
        socket = tcp.fetch_one("SELECT @@socket AS path", ())["path"]
        assert tcp.fetch_one("SELECT USER() AS u", ())["u"].endswith("@127.0.0.1")
    finally:
        tcp.close()
    parts = urlsplit(mysql_url)
    url = f"mysql://{parts.username}@localhost{parts.path}?unix_socket={socket}"
    db = connect(url)
    try:
        assert db.fetch_one("SELECT USER() AS u", ())["u"] == f"{parts.username}@localhost"
    finally:
        db.close()
    app = make_app({**app_config, "DATABASE_URL": url})  # init-db over the socket too
    assert app.test_client().get("/readyz").status_code == 200


class _Cursor:
    """A cursor whose SELECT @@wsrep_on fails as given (MySQL's 1193, or a lost server)."""

    def __init__(self, error: Exception, ran: list):
        self.error, self.ran = error, ran

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        self.ran.append(sql)
        raise self.error


class _Connection:
    def __init__(self, error: Exception):
        self.error, self.ran = error, []

    def cursor(self):
        return _Cursor(self.error, self.ran)


def test_mysql_without_wsrep_on_is_no_galera_but_a_lost_server_fails_the_connection():
    from mfa_api.db import _read_your_writes_on_galera

    mysql = _Connection(pymysql.err.OperationalError(1193, "Unknown system variable 'wsrep_on'"))
    _read_your_writes_on_galera(mysql)  # no Galera: nothing to set
    assert mysql.ran == ["SELECT @@wsrep_on AS galera"]
    lost = _Connection(pymysql.err.OperationalError(2013, "Lost connection"))
    with pytest.raises(pymysql.err.OperationalError):
        _read_your_writes_on_galera(lost)  # a Galera node whose reads would not wait
