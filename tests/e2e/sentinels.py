"""A Redis primary, its replica and 3 sentinels of the test's own, on spare loopback ports, with
short failure timers (a primary is down after 1 s); CI's shared Redis is never touched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.e2e.deps import wait_for_port
from tests.smtp import free_port

SERVICE = "mfa"


def _redis_server(port: int, directory: Path, *args: str) -> subprocess.Popen:
    (directory / str(port)).mkdir(exist_ok=True)  # a replica's full sync writes dump.rdb there
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory / str(port)), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(port)
    return process


class PrivateSentinels:
    """start(); url; primary() (its port); failover(); kill_primary(); stop()."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sentinels-"))
        self.ports = [free_port(), free_port()]  # the first starts as the primary
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.processes: dict[int, subprocess.Popen] = {}
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        self.url = f"redis+sentinel://{hosts}/{SERVICE}/0"

    def start(self) -> PrivateSentinels:
        """Run the primary, the replica and the sentinels; wait until they know each other."""
        primary, replica = self.ports
        self.processes[primary] = _redis_server(primary, self.dir)
        self.processes[replica] = _redis_server(
            replica, self.dir, "--replicaof", "127.0.0.1", str(primary)
        )
        for port in self.sentinel_ports:
            config = self.dir / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.dir}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {primary} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 3000\n"
            )
            self.processes[port] = subprocess.Popen(
                ["redis-sentinel", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for_port(port)
        self._wait(self._settled, "the sentinels to see the replica and each other")
        return self

    def sentinel(self, index: int = 0) -> redis.Redis:
        """A client of one sentinel."""
        return redis.Redis(port=self.sentinel_ports[index], socket_timeout=1)

    def primary(self) -> int:
        """The port of the primary the first sentinel names."""
        return int(self.sentinel().sentinel_get_master_addr_by_name(SERVICE)[1])

    def client(self, port: int) -> redis.Redis:
        """A plain client of one of the two Redis servers."""
        return redis.Redis(port=port, socket_timeout=1, decode_responses=True)

    def failover(self) -> int:
        """SENTINEL FAILOVER; the new primary's port, once every sentinel names it."""
        old = self.primary()
        self.sentinel().execute_command("SENTINEL", "FAILOVER", SERVICE)
        self._wait(lambda: self._all_name_other_than(old), "the sentinels to name a new primary")
        return self.primary()

    def settle(self) -> None:
        """Wait until the replica follows the primary (a demoted primary takes ~10 s)."""
        self._wait(self._settled, "the replica to follow the primary")

    def kill_primary(self) -> int:
        """SIGKILL the primary; the port of the replica, which the sentinels will promote."""
        old = self.primary()
        self.processes[old].kill()
        self.processes[old].wait(10)
        return next(port for port in self.ports if port != old)

    def rejoin(self, port: int) -> None:
        """Start a killed server again, empty, as the replica of the primary; wait for it."""
        self.processes[port] = _redis_server(
            port, self.dir, "--replicaof", "127.0.0.1", str(self.primary())
        )
        self.settle()

    def pause_sentinels(self) -> None:
        """Freeze every sentinel (SIGSTOP): connections open, no answer."""
        for port in self.sentinel_ports:
            os.kill(self.processes[port].pid, signal.SIGSTOP)

    def resume_sentinels(self) -> None:
        """Let the sentinels run again."""
        for port in self.sentinel_ports:
            os.kill(self.processes[port].pid, signal.SIGCONT)

    def stop(self) -> None:
        """Stop every process and forget their files."""
        self.resume_sentinels()
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _settled(self) -> bool:
        primary = self.primary()
        for port in self.ports:
            if port != primary and self.processes[port].poll() is None:
                info = self.client(port).info("replication")
                if info["role"] != "slave" or info["master_link_status"] != "up":
                    return False
        for index in range(3):
            sentinel = self.sentinel(index)
            master = sentinel.sentinel_master(SERVICE)
            replicas = sentinel.sentinel_slaves(SERVICE)
            if master["num-other-sentinels"] < 2 or not any(
                r["master-link-status"] == "ok" for r in replicas
            ):
                return False
        return True

    def _all_name_other_than(self, old: int) -> bool:
        return all(
            int(self.sentinel(i).sentinel_get_master_addr_by_name(SERVICE)[1]) != old
            for i in range(3)
        )

    @staticmethod
    def _wait(condition, what: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except redis.RedisError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"waited {seconds} s for {what}")
