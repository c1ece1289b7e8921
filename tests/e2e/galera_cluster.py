"""A Galera cluster of the tests' own on loopback: N MariaDB nodes, each with its own datadir
and ports, run as the `mysql` user (a joiner's state transfer, by rsync, fails as root)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pymysql

from tests.e2e.deps import GALERA_PROVIDER, wait_for_port
from tests.smtp import free_port


class GaleraCluster:
    """start() bootstraps node 0 and joins the others; url(i, db); stop() forgets it all."""

    def __init__(self, nodes: int = 2):
        self.dir = tempfile.mkdtemp(prefix="galera-")
        shutil.chown(self.dir, "mysql", "mysql")
        self.ports = [free_port() for _ in range(nodes)]
        self.group_ports = [free_port() for _ in range(nodes)]
        self.processes: list[subprocess.Popen] = []

    def start(self) -> GaleraCluster:
        """Every node up and Synced, the first one bootstrapping the cluster."""
        for index in range(len(self.ports)):
            self._start(index)
            self.wait_synced(index)
        return self

    def _start(self, index: int, rejoin: bool = False) -> None:
        data = f"{self.dir}/n{index}"
        if index == 0 and not rejoin:  # (a node rejoins on its datadir as the kill left it)
            subprocess.run(
                ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=mysql",
                 "--auth-root-authentication-method=normal", "--skip-test-db"],
                capture_output=True, check=True, timeout=120,
            )  # fmt: skip
        elif not rejoin:  # filled by the state transfer
            subprocess.run(["install", "-d", "-o", "mysql", "-g", "mysql", data], check=True)
        others = [f"127.0.0.1:{port}" for i, port in enumerate(self.group_ports) if i != index]
        peers = "" if index == 0 and not rejoin else ",".join(others)
        group, ist, sst = self.group_ports[index], free_port(), free_port()
        command = [
            "/usr/sbin/mariadbd",
            "--no-defaults",
            f"--datadir={data}",
            f"--port={self.ports[index]}",
            "--bind-address=127.0.0.1",
            f"--socket={data}.sock",
            f"--pid-file={data}.pid",
            "--user=mysql",
            "--innodb-buffer-pool-size=16M",
            f"--log-error={data}.err",
            "--wsrep-on=ON",
            f"--wsrep-provider={GALERA_PROVIDER}",
            f"--wsrep-cluster-address=gcomm://{peers}",
            f"--wsrep-node-address=127.0.0.1:{group}",
            f"--wsrep-node-name=n{index}",
            f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{group};"
            f"ist.recv_addr=127.0.0.1:{ist};gcache.size=16M",
            f"--wsrep-sst-receive-address=127.0.0.1:{sst}",
            "--wsrep-sst-method=rsync",
            "--binlog-format=ROW",
            "--innodb-autoinc-lock-mode=2",
        ]  # fmt: skip
        if rejoin:
            command.append(f"--wsrep-start-position={self._recovered_position(command, data)}")
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if rejoin:
            self.processes[index] = process
        else:
            self.processes.append(process)
        wait_for_port(self.ports[index], 120)

    @staticmethod
    def _recovered_position(command: list[str], data: str) -> str:
        """The last write set a killed node committed, read from its InnoDB logs as Debian's
        unit does before each start (galera_recovery): with it, the node asks the others for
        the write sets it missed (IST) instead of a copy of everything (SST)."""
        log = f"{data}.recover"
        options = [o if not o.startswith("--log-error=") else f"--log-error={log}" for o in command]
        subprocess.run([*options, "--wsrep-recover"], capture_output=True, timeout=120)
        found = re.findall(r"WSREP: Recovered position: (\S+)", Path(log).read_text())
        return found[-1]

    def kill(self, index: int) -> None:
        """SIGKILL one node (a machine that died: no goodbye to the others)."""
        self.processes[index].kill()
        self.processes[index].wait(30)

    def rejoin(self, index: int) -> None:
        """Start a killed node again on its old datadir; it joins the others and catches up
        (IST from their write-set cache, else a full state transfer). Waits until Synced."""
        self._start(index, rejoin=True)
        self.wait_synced(index, 180)

    def connect(self, index: int, database: str | None = None) -> pymysql.Connection:
        """A plain autocommit connection to one node, as root."""
        return pymysql.connect(
            host="127.0.0.1",
            port=self.ports[index],
            user="root",
            database=database,
            autocommit=True,
        )

    def wait_synced(self, index: int, seconds: float = 60) -> None:
        """Wait until the node says Synced."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(pymysql.err.MySQLError):
                conn = self.connect(index)
                with conn.cursor() as cur:
                    cur.execute("SHOW STATUS LIKE 'wsrep_local_state_comment'")
                    state = cur.fetchone()[1]
                conn.close()
                if state == "Synced":
                    return
            time.sleep(0.2)
        raise RuntimeError(f"node {index} never became Synced")

    def url(self, index: int, database: str) -> str:
        """The URL of a database (made, on the cluster, if missing) through one node."""
        conn = self.connect(index)
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        conn.close()
        return f"mysql://root@127.0.0.1:{self.ports[index]}/{database}"

    def stop(self) -> None:
        """Stop every node and forget the data."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
