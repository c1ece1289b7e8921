"""gunicorn settings for mfa-api behind a reverse proxy (deploy/nginx/mfa-api.conf).

    gunicorn -c deploy/gunicorn.conf.py wsgi:application          # a checkout
    gunicorn -c deploy/gunicorn.conf.py mfa_api.wsgi:application  # installed with pip

Environment variables override the defaults here: GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_ACCESS_LOG, GUNICORN_CONTROL_SOCKET.
"""

import ctypes
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

# Loopback only: the proxy in front is the only remote client, so PROXY_COUNT=1 is safe (no
# one else can send an X-Forwarded-For that the service would believe). Local processes can
# still reach it: on a host shared with untrusted users, bind a Unix socket the proxy's group
# may open (GUNICORN_BIND=unix:/run/mfa-api/gunicorn.sock, and `server unix:...` in nginx).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Password hashing is CPU work: two processes per core, each hashing one password at a time
# (PASSWORD_HASH_CONCURRENCY), keep every core busy. Threads let cheap requests (a verify, a
# token check) run while one thread of the worker hashes and others wait their turn, instead
# of queueing behind them: measured with bench/journeys.py, 8 threads kept a cheap request's
# p50 under 10 ms at full hashing load where 1 thread (sync-like) gave ~200 ms.
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, 2 * multiprocessing.cpu_count())))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))

# A worker process that stops answering gunicorn for 30 s is replaced. (With gthread the
# process answers while one of its threads is busy: what bounds a request is the service's own
# deadline on every dependency call, 25 s at most, and the proxy's read timeout.) On a restart
# or stop, requests in flight get 20 s to finish.
timeout = 30
graceful_timeout = 20
keepalive = 5  # the proxy keeps connections to gunicorn open (nginx: keepalive in upstream)

# Request line and headers: gunicorn answers what is over these in HTML, so the proxy in front
# refuses in JSON first, at lower limits (nginx: 4 KiB a line or header, 16 KiB in all, so up
# to ~4,000 header lines). The line's limit is gunicorn's highest; a header's is its default.
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 5000

# Logs go to stderr (the journal under systemd). The service writes one line per request
# itself (time, method, route, status, duration, request id, client IP, user id; LOG_FORMAT=json
# for JSON), so gunicorn's own access log, which would repeat each request with less in it, is
# off unless GUNICORN_ACCESS_LOG names a file (or "-").
errorlog = "-"
loglevel = "info"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(M)sms request_id=%({x-request-id}o)s'

# gunicorn's control socket (`gunicornc`): by default in $HOME/.gunicorn, which a system user's
# home (/srv/mfa-api, read-only under the unit's ProtectSystem=strict) refuses, logging "Control
# server error" at every start and reload. So: in the unit's RuntimeDirectory (/run/mfa-api,
# `gunicornc -s /run/mfa-api/gunicorn.ctl`), or where GUNICORN_CONTROL_SOCKET says ("off": none);
# outside systemd, none.
_runtime_dir = os.environ.get("RUNTIME_DIRECTORY")
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or (
    os.path.join(_runtime_dir, "gunicorn.ctl") if _runtime_dir else "off"
)
control_socket_disable = control_socket == "off"

# /metrics with several workers: each worker writes its counts into this directory and whichever
# answers adds them all up. It must exist, empty, before the workers start.
# Made up here (then removed at exit) unless the environment names one; a reload (HUP) reads
# this file again and must recognise its own.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(
        os.environ.get("RUNTIME_DIRECTORY") or tempfile.gettempdir(),
        f"mfa-api-metrics-{os.getpid()}",
    )
    os.environ["MFA_GUNICORN_MADE_METRICS_DIR"] = "1"
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
_own_metrics_dir = os.environ.get("MFA_GUNICORN_MADE_METRICS_DIR") == "1"


def on_starting(server):
    """Start every run with an empty metrics directory (counts of an earlier run would add up)."""
    path = Path(_metrics_dir)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def on_exit(server):
    """Remove the metrics directory this file made up (one named by the environment stays)."""
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def post_fork(server, worker):
    """One malloc arena a worker, shared by its threads.

    glibc gives each thread an arena of its own, and each arena keeps the memory its thread
    freed: with 8 threads a worker grew by tens of MB it no longer used. The threads take turns
    under Python's GIL anyway, so one arena costs no waiting worth measuring. (Argon2id's 19 MiB
    does not come from malloc: see mfa_api/security/argon2id.py and ARGON2_KEEP_MEMORY.)
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    m_arena_max = -8
    libc.mallopt(m_arena_max, 1)


def child_exit(server, worker):
    """Tell the metrics that a worker is gone (its live gauges no longer count)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
