"""The supported scale-out topology on one machine, from Debian's packages: three Galera nodes
behind HAProxy (deploy/cluster/haproxy.cfg, checking each node with
deploy/cluster/galera_health.py), Redis with a replica and three sentinels, a mail sink, and
two app hosts (gunicorn started as deploy/mfa-api.service starts it) sharing all of it."""

from __future__ import annotations

import contextlib
import time

import pymysql

from tests.e2e.deps import call
from tests.e2e.galera_cluster import GaleraCluster
from tests.e2e.galera_proxy import CLUSTER, HAProxy, health_check
from tests.e2e.sentinels import PrivateSentinels
from tests.e2e.server import Gunicorn, init_db, service_env, unit_command
from tests.smtp import SmtpSink

DATABASE = "mfa"
ORIGIN = "http://localhost:5000"  # the soft authenticator's, and so WEBAUTHN_ORIGINS
LOCK_AFTER = 20
# Every request limit out of the way: the load comes from one address, and what is measured
# is the cluster, not the limits (which still count, in Redis, through every failover).
GENEROUS = "100000 per minute"
LIMITS = (
    "REGISTER", "LOGIN", "VERIFY", "2FA_GENERATE", "2FA_VERIFY", "2FA_RECOVER", "2FA_RESEND",
    "2FA_PHONE", "STEP_UP", "UNLOCK", "PASSWORD_CHECKS",
)  # fmt: skip


def shipped_settings() -> dict:
    """deploy/cluster/mfa-api.env's settings (without MFA_), but the <placeholders>."""
    settings = {}
    for line in (CLUSTER / "mfa-api.env").read_text().splitlines():
        name, _, value = line.partition("=")
        if name.startswith("MFA_") and "<" not in value:
            settings[name.removeprefix("MFA_")] = value.strip("'")
    return settings


class Topology:
    """Everything up (start()), its parts by name, and torn down by stop()."""

    def __init__(self):
        self.galera = GaleraCluster(3)
        self.sentinels = PrivateSentinels()
        self.smtp = SmtpSink()
        self.haproxy: HAProxy | None = None
        self.hosts: list[Gunicorn] = []
        self._stack = contextlib.ExitStack()

    def start(self) -> Topology:
        """Boot every part, the schema made once (as an upgrade is), then both app hosts."""
        self._stack.callback(self.galera.stop)
        self.galera.start()
        self.galera.url(0, DATABASE)
        checks = [self._stack.enter_context(health_check(port)) for port in self.galera.ports]
        nodes = list(zip(self.galera.ports, checks, strict=True))
        self.haproxy = self._stack.enter_context(HAProxy(nodes))
        self._stack.callback(self.sentinels.stop)
        self.sentinels.start()
        self._stack.callback(self.smtp.stop)
        self.smtp.start()
        env = self.env()
        init_db(env)
        for _ in range(2):
            host = Gunicorn(env, workers=2, command=unit_command())
            self.hosts.append(self._stack.enter_context(host))
        return self

    def env(self) -> dict:
        """The app hosts' settings: deploy/cluster/mfa-api.env's (deadlines, breaker, clocks),
        its addresses and secrets replaced by this machine's."""
        here = {
            "DATABASE_URL": f"mysql://root@127.0.0.1:{self.haproxy.port}/{DATABASE}",
            "REDIS_URL": self.sentinels.url,
            "RATELIMIT_STORAGE_URI": self.sentinels.url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.smtp.port,
            "MAIL_USE_TLS": "false",
            "PROXY_COUNT": 0,  # no nginx in front here
            "WEBAUTHN_RP_ID": "localhost",
            "WEBAUTHN_ORIGINS": ORIGIN,
            "LOCK_AFTER": LOCK_AFTER,
            "BACKOFF_AFTER": 100,  # past LOCK_AFTER: the lock, not the back-off, stops guessing
            **{f"RATELIMIT_{name}": GENEROUS for name in LIMITS},
        }
        return service_env(**{**shipped_settings(), **here})

    def writer(self) -> int:
        """The index of the node HAProxy sends connections to now."""
        conn = pymysql.connect(host="127.0.0.1", port=self.haproxy.port, user="root")
        with conn.cursor() as cur:
            cur.execute("SELECT @@wsrep_node_name")
            name = cur.fetchone()[0]
        conn.close()
        return int(name.removeprefix("n"))

    def node(self, index: int) -> pymysql.Connection:
        """A connection to one node's copy of the service's database."""
        return self.galera.connect(index, DATABASE)

    def wait_ready(self, seconds: float = 60) -> list[int]:
        """Wait until both hosts' /readyz answer 200; the statuses last seen."""
        deadline = time.monotonic() + seconds
        while True:
            statuses = [call(host.base, "GET", "/readyz")[0] for host in self.hosts]
            if statuses == [200, 200] or time.monotonic() > deadline:
                return statuses
            time.sleep(0.5)

    def stop(self) -> None:
        """Tear everything down, the app hosts first."""
        self._stack.close()
