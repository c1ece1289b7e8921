"""One database layer for SQLite and MySQL/MariaDB: `?` placeholders, a connection per request.

No other module knows which database it talks to. Driver errors come out as IntegrityError
(a uniqueness clash, for the caller to turn into a 409) or ServiceUnavailable (a 503). Every
MySQL call has a deadline (connect, read, write); a MySQL that cannot be reached opens the
database breaker, so that for a while requests get their 503 at once instead of waiting. A
deadlock or lock-wait timeout is not an outage: the statement, or the whole transaction given
to atomically(), is run again (a few times, with jitter) before it becomes a 503.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import random
import sqlite3
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import pymysql
from flask import Flask, g
from pymysql.constants import CLIENT

from .errors import ServiceUnavailable
from .state import state

log = logging.getLogger(__name__)

_UNAVAILABLE = (sqlite3.OperationalError, pymysql.err.OperationalError, pymysql.err.InterfaceError)
_INTEGRITY = (sqlite3.IntegrityError, pymysql.err.IntegrityError)
# table exists, duplicate column, duplicate key name, no such key to drop (dropped already)
_MYSQL_ALREADY_DONE = {1050, 1060, 1061, 1091}
_MYSQL_UNKNOWN_VARIABLE = 1193  # MySQL has no @@wsrep_on
_MYSQL_NO_SUCH_TABLE = 1146  # init-db was not run: unavailable, as SQLite reports it
_MYSQL_CONFLICTS = {1213, 1205}  # deadlock, lock wait timeout: rolled back; run it again
_MYSQL_UNREACHABLE = {2003, 2006, 2013, 2055}  # can't connect, gone, lost (or timed out)
RETRIES = 4  # runs, in all, of a statement or transaction that keeps losing to a conflict
T = TypeVar("T")


class IntegrityError(Exception):
    """A write broke a uniqueness (or other) constraint."""


class DatabaseUnavailable(ServiceUnavailable):
    message = "Database unavailable"


class DatabaseBusy(ServiceUnavailable):
    message = "Database busy; try again"


class _Conflict(Exception):
    """A deadlock or lock-wait timeout: the statement or transaction was rolled back."""


@dataclass(frozen=True)
class Deadlines:
    """Seconds a MySQL call may take: to connect, and to read or write (the ping included)."""

    connect: float = 5.0
    read_write: float | None = None  # none for tools (a migration may take long); see get_db


@functools.lru_cache(maxsize=512)
def _to_pyformat(sql: str) -> str:
    """Turn `?` placeholders into PyMySQL's `%s`, escaping literal percent signs."""
    return sql.replace("%", "%%").replace("?", "%s")


class Database:
    """A connection to one database, with the few operations the repositories need."""

    def __init__(
        self,
        url: str,
        deadlines: Deadlines | None = None,
        on_unreachable: Callable[[], None] | None = None,
        create: bool = True,
    ):
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite:") else "mysql"
        self.broken = False  # set once the server failed us: never reuse this connection
        self.on_unreachable = on_unreachable  # told when MySQL cannot be reached (a breaker)
        self._in_transaction = False
        self._conn = None  # until connected: a failure before then is an unreachable server
        with self._translated_errors():
            if self.dialect == "sqlite":
                self._conn = _connect_sqlite(url, create)
            else:
                try:
                    self._conn = _connect_mysql(url, deadlines or Deadlines())
                except (ssl.SSLError, OSError) as exc:  # ssl_ca unreadable, or no certificate
                    raise DatabaseUnavailable() from exc

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except _INTEGRITY as exc:
            raise IntegrityError(str(exc)) from exc
        except _UNAVAILABLE as exc:
            code = exc.args[0] if exc.args else None
            if self.dialect == "mysql" and code in _MYSQL_CONFLICTS:
                raise _Conflict(str(exc)) from exc
            self.broken = True
            unreachable = isinstance(exc, pymysql.err.InterfaceError) or code in _MYSQL_UNREACHABLE
            told = self.dialect == "mysql" and unreachable and self.on_unreachable
            if told and self._server_unreachable(exc):
                self.on_unreachable()
            raise DatabaseUnavailable() from exc
        except pymysql.err.ProgrammingError as exc:
            if exc.args and exc.args[0] == _MYSQL_NO_SUCH_TABLE:
                raise DatabaseUnavailable() from exc
            raise

    def _server_unreachable(self, exc: Exception) -> bool:
        """Whether exc says the server cannot be reached (no connection made, or a deadline
        passed), not only that this connection was cut. A cut one (its Galera node killed, a
        proxy that moved on to another node) fails its own request; the next request's new
        connection tells whether the database is there, so the breaker waits for that."""
        return self._conn is None or isinstance(exc.__context__, TimeoutError)

    def _run(self, sql: str, params: tuple):
        if self.dialect == "sqlite":
            return self._conn.execute(sql, params)
        cursor = self._conn.cursor()
        cursor.execute(_to_pyformat(sql), params)
        return cursor

    def _statement(self, sql: str, params: tuple, result: Callable):
        """Run one statement and read its result. Alone (autocommit), a conflict runs it again;
        within a transaction, the whole transaction is what atomically() runs again."""
        for attempt in range(RETRIES):
            try:
                with self._translated_errors():
                    return result(self._run(sql, params))
            except _Conflict as exc:
                if self._in_transaction:
                    raise
                _back_off(attempt, exc)
        raise _gave_up()

    def execute(self, sql: str, params: tuple = ()) -> int:
        """Run a statement; return how many rows it matched (on both databases)."""
        return self._statement(sql, params, lambda cursor: cursor.rowcount)

    def insert(self, sql: str, params: tuple = ()) -> int:
        """Run an INSERT; return the new row's id."""
        return self._statement(sql, params, lambda cursor: cursor.lastrowid)

    def execute_many(self, sql: str, rows: list[tuple]) -> None:
        """Run one statement for each of many rows (bulk loads: tools and benchmarks)."""
        with self._translated_errors():
            if self.dialect == "sqlite":
                self._conn.executemany(sql, rows)
            else:
                self._conn.cursor().executemany(_to_pyformat(sql), rows)

    def fetch_one(self, sql: str, params: tuple = ()) -> dict | None:
        """The first row of a query as a dict, or None."""
        row = self._statement(sql, params, lambda cursor: cursor.fetchone())
        return None if row is None else dict(row)

    def fetch_all(self, sql: str, params: tuple = ()) -> list[dict]:
        """Every row of a query, as dicts."""
        rows = self._statement(sql, params, lambda cursor: cursor.fetchall())
        return [dict(row) for row in rows]

    def delete_oldest(
        self,
        table: str,
        time_column: str,
        before: int,
        batch: int,
        extra: str = "1 = 1",
        extra_params: tuple = (),
    ) -> int:
        """Delete the oldest rows whose time_column is before `before`: about `batch` of them
        (rows sharing the batch's last time go too); how many went.

        Bounded and idempotent, so that `flask sweep` on every host at once only finds less to
        do. table, time_column and extra are the caller's constants, never input.
        """
        where = f"{time_column} < ? AND {extra}"
        nth = self.fetch_one(
            f"SELECT {time_column} AS t FROM {table} WHERE {where} "  # noqa: S608
            f"ORDER BY {time_column} LIMIT 1 OFFSET ?",
            (before, *extra_params, batch - 1),
        )
        bound = before if nth is None else nth["t"] + 1
        return self.execute(
            f"DELETE FROM {table} WHERE {where} AND {time_column} < ?",  # noqa: S608
            (before, *extra_params, bound),
        )

    def apply_ddl(self, statement: str) -> None:
        """Run a schema statement; on MySQL, one whose object already exists counts as done."""
        try:
            self.execute(statement)
        except DatabaseUnavailable as exc:
            code = getattr(exc.__cause__, "args", (None,))[0]
            if self.dialect == "mysql" and code in _MYSQL_ALREADY_DONE:
                log.info("already applied, skipped: %s", statement.splitlines()[0])
                return
            raise

    def atomically(self, work: Callable[[], T]) -> T:
        """Run work in a transaction: it commits whole, or not at all; a deadlock or lock-wait
        timeout runs it again (a few times, with jitter), then it is a 503 DatabaseBusy."""
        if self._in_transaction:
            return work()  # the outermost call is the one that runs again
        for attempt in range(RETRIES):
            try:
                with self.transaction():
                    return work()
            except _Conflict as exc:
                _back_off(attempt, exc)
        raise _gave_up()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together, or not at all (atomically() runs it again on a
        deadlock; this one is for what must never run twice, such as a migration)."""
        if self._in_transaction:
            yield
            return
        with self._translated_errors():
            if self.dialect == "sqlite":
                # IMMEDIATE takes the write lock up front, so two racing writers queue up
                # instead of failing halfway.
                self._conn.execute("BEGIN IMMEDIATE")
            else:
                self._conn.begin()
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._in_transaction = False
            with self._translated_errors():
                self._conn.rollback()
            raise
        self._in_transaction = False
        with self._translated_errors():
            self._conn.commit()

    def reusable(self) -> bool:
        """True when the connection is healthy and idle (MySQL: the server still answers).

        A ping that times out means the server hangs: no new connection would do better, so
        that is a DatabaseUnavailable (and the breaker opens) rather than a second wait.
        """
        if self.broken or self._in_transaction:
            return False
        if self.dialect == "sqlite":
            return self.gone() is None  # a deleted file: a new connection says it is missing
        try:
            self._conn.ping(reconnect=False)
        except Exception as exc:  # noqa: BLE001 - any other failure means: open a new one
            if isinstance(exc.__context__, TimeoutError):
                self.broken = True
                if self.on_unreachable:
                    self.on_unreachable()
                raise DatabaseUnavailable() from exc
            return False
        return True

    def gone(self) -> str | None:
        """Why this connection's database no longer exists (its SQLite file deleted, its MySQL
        database dropped: the connection outlives either), or None."""
        if self.dialect == "sqlite":
            path = _sqlite_path(self.url)
            return None if os.path.exists(path) else _no_sqlite_file(path)
        found = self.fetch_one(  # DATABASE() still names a database another session dropped
            "SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = DATABASE()"
        )
        return None if found["n"] else "it was dropped (create it, then run init-db)"

    def node_problem(self) -> str | None:
        """Why this Galera node should not be used (not ready, not Synced, not in the primary
        component), or None (also for a database that is no Galera node)."""
        if self.dialect == "sqlite":
            return None
        rows = self.fetch_all(
            "SHOW STATUS WHERE Variable_name IN "
            "('wsrep_ready', 'wsrep_local_state_comment', 'wsrep_cluster_status')"
        )
        status = {row["Variable_name"]: row["Value"] for row in rows}
        if not status or str(self.fetch_one("SELECT @@wsrep_on AS galera")["galera"]) == "0":
            return None
        off = [
            f"{name} is {status.get(name)}"
            for name, ready in _GALERA_READY.items()
            if status.get(name) != ready
        ]
        return f"this Galera node is not ready ({', '.join(off)})" if off else None

    def clock(self) -> float:
        """The database server's time, in Unix seconds (SQLite's is this host's own)."""
        if self.dialect == "sqlite":
            return float(self.fetch_one("SELECT (julianday('now') - 2440587.5) * 86400 AS t")["t"])
        # @@timestamp: Unix seconds as the server counts them, no time zone in between (NOW()
        # is ambiguous in a daylight-saving zone's repeated hour: an hour off)
        return float(self.fetch_one("SELECT @@timestamp AS t")["t"])

    def close(self) -> None:
        """Close the connection, ignoring a connection already gone."""
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - closing must never fail a response
            log.debug("closing the database connection failed", exc_info=True)


def _sqlite_path(url: str) -> str:
    return url[len("sqlite:///") :]


def _no_sqlite_file(path: str) -> str:
    return f"no SQLite file at {path} (restore it, or run init-db to make a new, empty one)"


def _connect_sqlite(url: str, create: bool) -> sqlite3.Connection:
    """A connection to the file; without create, a missing file is an OperationalError
    rather than a new, empty database (a request never makes one: init-db does)."""
    path = _sqlite_path(url)
    if not create and not os.path.exists(path):
        raise sqlite3.OperationalError(_no_sqlite_file(path))
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    # WAL lets readers in other workers go on while one writes (persistent; cheap once set).
    conn.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: still safe from corruption
    # and from a crash of the process, while a power loss may roll back the last moments'
    # commits. It takes ~4 ms off a login here (the fsyncs of its several commits).
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class _MysqlConnection(pymysql.connections.Connection):
    """PyMySQL's connection, with one TLS context for all of them.

    With no TLS options PyMySQL tries TLS where the server offers it, unverified, and makes a
    context for each connection, loading the system's CA certificates into it: ~28 ms of CPU
    and ~0.8 MB a connection, 8 of them a gunicorn worker (one a thread). The first context
    made that way is kept and handed to every later connection instead.
    """

    _preferred_tls: ssl.SSLContext | None = None
    _made = threading.Lock()

    def _create_ssl_ctx(self, sslp):
        if sslp != {}:  # options were given: never the case here, but theirs to make
            return super()._create_ssl_ctx(sslp)
        with self._made:
            cls = type(self)
            if cls._preferred_tls is None:
                cls._preferred_tls = super()._create_ssl_ctx(sslp)
            return cls._preferred_tls


def _connect_mysql(url: str, deadlines: Deadlines) -> pymysql.connections.Connection:
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    conn = _MysqlConnection(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        unix_socket=options.get("unix_socket"),  # then host and port unused
        **_verified_tls(options),
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        database=parts.path.lstrip("/") or None,
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=deadlines.connect,
        read_timeout=deadlines.read_write,
        write_timeout=deadlines.read_write,
        cursorclass=pymysql.cursors.DictCursor,
        # An UPDATE's row count is the rows its WHERE matched, as SQLite's is, not the rows
        # whose values changed: a zero-counter passkey used twice in a second, or a rename to
        # the same name, is a match. Single use still holds: its WHERE excludes a used row.
        client_flag=CLIENT.FOUND_ROWS,
    )
    try:
        _read_your_writes_on_galera(conn)
    except BaseException:
        with contextlib.suppress(pymysql.err.Error):  # closed already, if the server cut it
            conn.close()  # not left to the garbage collector: its socket may be open
        raise
    return conn


def _verified_tls(options: dict[str, str]) -> dict:
    """PyMySQL's TLS options for a URL's ?ssl_ca=: TLS required, the server's certificate
    verified against that CA and, unless ssl_verify_identity=false, its name against the
    host's. Without ssl_ca, none: TLS where the server offers it, unverified (PyMySQL's own)."""
    if "ssl_ca" not in options:
        return {}
    return {
        "ssl_ca": options["ssl_ca"],
        "ssl_verify_cert": True,
        "ssl_verify_identity": options.get("ssl_verify_identity", "true") == "true",
    }


_GALERA_READY = {
    "wsrep_ready": "ON",
    "wsrep_local_state_comment": "Synced",
    "wsrep_cluster_status": "Primary",
}


def _read_your_writes_on_galera(conn: pymysql.connections.Connection) -> None:
    """On a Galera node, make this session's reads wait until the node has applied every
    write the cluster committed before them (wsrep_sync_wait=1): a logout, a spent code or a
    sign-up written through another node is seen here, not missed for a replication lag.
    Elsewhere (MariaDB without Galera, MySQL) nothing changes."""
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT @@wsrep_on AS galera")
        except pymysql.err.OperationalError as exc:
            if exc.args and exc.args[0] == _MYSQL_UNKNOWN_VARIABLE:  # MySQL: so no Galera
                return
            raise  # any other failure fails the connection, not its reads' guarantee
        if cur.fetchone()["galera"]:
            cur.execute("SET SESSION wsrep_sync_wait = 1")


def _back_off(attempt: int, conflict: Exception) -> None:
    log.info("database conflict (%s): running it again", conflict)
    time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter, not a secret


def _gave_up() -> DatabaseBusy:
    log.error("database conflicts (deadlock or lock wait) %d times in a row: gave up", RETRIES)
    return DatabaseBusy()


def like_prefix(prefix: str) -> str:
    """A LIKE pattern for values starting with prefix, to be used with ESCAPE '!'."""
    return prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


# What may follow the ? of a mysql:// URL: the server's unix socket, or verified TLS (the CA
# that signed the server's certificate; whether its name must match the host, true unless
# false).
MYSQL_URL_OPTIONS = ("unix_socket", "ssl_ca", "ssl_verify_identity")


def mysql_url_problem(url: str) -> str | None:
    """Why _connect_mysql cannot use this mysql:// URL as meant (it would ignore or misread a
    part), or None. The form: mysql://user:password@host:port/database, then optionally
    ?unix_socket=/path, or ?ssl_ca=/path/ca.pem[&ssl_verify_identity=false]."""
    parts = urlsplit(url)
    if "," in parts.netloc:
        return "names several hosts: PyMySQL connects to one (put a proxy in front of a cluster)"
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "has a port that is not a number"
    if parts.fragment or "/" in parts.path.lstrip("/"):
        return "must be mysql://user:password@host:port/database (no # and one database name)"
    try:
        options = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        return "has a query that is not name=value pairs"
    for name, value in options:
        if name not in MYSQL_URL_OPTIONS:
            return (
                f"has an unknown option {name!r} (the options are ?unix_socket=/path/to/sock, "
                "?ssl_ca=/path/to/ca.pem and &ssl_verify_identity=false)"
            )
        problem = _option_problem(name, value)
        if problem:
            return problem
    if len(options) != len(dict(options)):
        return "gives an option twice"
    if "ssl_verify_identity" in dict(options) and "ssl_ca" not in dict(options):
        return "gives ssl_verify_identity without ssl_ca (the CA that signed the server's cert)"
    return None


def _option_problem(name: str, value: str) -> str | None:
    if name == "ssl_verify_identity":
        return (
            None if value in ("true", "false") else "must give ssl_verify_identity as true or false"
        )
    if not value.startswith("/"):
        return f"must give {name} as an absolute path (?{name}=/path)"
    if name == "ssl_ca" and not os.path.isfile(value):
        return f"names an ssl_ca that is not a file: {value}"
    if name == "ssl_ca":
        try:
            ssl.create_default_context(cafile=value)
        except (ssl.SSLError, OSError) as exc:
            return f"names an ssl_ca that holds no CA certificate it can read ({exc})"
    return None


def connect(url: str, *, create: bool = True) -> Database:
    """Open a connection outside any request (init-db, tests, tools); without create, a
    missing SQLite file is DatabaseUnavailable instead of a new, empty one."""
    return Database(url, create=create)


# Opening a MariaDB connection costs tens of milliseconds, a query a tenth of one: each thread
# keeps its last connection for its next request. One slot only, so a thread never holds more
# than one connection (tests switch databases all the time).
_idle = threading.local()


def _checkout(url: str) -> Database:
    made = state()
    tell = made.breakers["database"].failed
    db, _idle.db = getattr(_idle, "db", None), None
    if db is not None:
        if db.url == url and db.reusable():
            db.on_unreachable = tell  # this app's breaker (tests switch apps)
            return db
        db.close()
    deadlines = Deadlines(
        connect=made.values.db_connect_timeout_seconds, read_write=made.values.db_timeout_seconds
    )
    return Database(url, deadlines, on_unreachable=tell, create=False)


def _checkin(db: Database) -> None:
    if db.broken or db._in_transaction:
        db.close()
        return
    previous, _idle.db = getattr(_idle, "db", None), db
    if previous is not None:
        previous.close()


def get_db() -> Database:
    """The current request's connection: the thread's idle one if still good, else a new one;
    a 503 at once while the database breaker is open."""
    if "db" not in g:
        made = state()
        if made.breakers["database"].is_open():
            raise DatabaseUnavailable()
        g.db = _checkout(made.values.database_url)
    return g.db


def atomically(work: Callable[[], T]) -> T:
    """Run work in one transaction on the current request's connection (see Database)."""
    return get_db().atomically(work)


def release_db(exc: BaseException | None = None) -> None:
    """Hand the request's connection back for the thread's next request (closed after a failure)."""
    db = g.pop("db", None)
    if db is None:
        return
    if exc is not None:
        db.broken = True
    _checkin(db)


def init_db_layer(app: Flask) -> None:
    """Release each request's connection when the request ends."""
    app.teardown_appcontext(release_db)
