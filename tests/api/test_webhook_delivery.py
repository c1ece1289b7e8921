"""`flask webhooks run`: real posts to a receiver on loopback that is down, failing, slow,
redirecting, then back; every signature checked by the receiver's own implementation of the
scheme; retries with back-off for a day, then failed; leases that keep two senders from
posting one message at once; deliveries that outlive the process that queued them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import standardwebhooks

from mfa_api.db import get_db
from mfa_api.services.flows import webhook_endpoints, webhook_sender
from mfa_api.state import state
from mfa_api.store import webhooks as store
from tests.helpers import CLOCK, TEST_KEY, TwoFaClient, make_app, recorded_mail
from tests.webhook_receiver import Receiver, verify

REPO = Path(__file__).resolve().parents[2]
DAY = 86400


@pytest.fixture
def hooks_app(app_config):
    """An app whose webhooks may go to loopback, with a one-second deadline."""
    app_config.update(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOKS_TIMEOUT_SECONDS=1)
    return make_app(app_config)


@pytest.fixture
def receiver():
    """A receiver on loopback (its secret set by `endpoint`)."""
    started = Receiver()
    yield started
    started.stop()


@pytest.fixture
def endpoint(hooks_app, receiver):
    """The receiver, added as an endpoint for every event; its id."""
    with hooks_app.app_context():
        added = webhook_endpoints.add(receiver.url, "all", state().settings, int(CLOCK.now()))
    receiver.secret = added.secret
    return added.id


def send(app) -> webhook_sender.Sent:
    """One pass of the sender, on the tests' clock."""
    with app.app_context():
        return webhook_sender.send_due(state().settings, CLOCK.now)


def queue_test(app, endpoint_id: int, times: int = 1) -> None:
    with app.app_context():
        for _ in range(times):
            webhook_endpoints.test(endpoint_id, int(CLOCK.now()))


def deliveries(app) -> list[dict]:
    with app.app_context():
        return get_db().fetch_all("SELECT * FROM webhook_deliveries ORDER BY created_at, id")


def listed(app) -> str:
    result = app.test_cli_runner().invoke(args=["webhooks", "list"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_delivery_is_signed_as_the_standard_says(hooks_app, endpoint, receiver):
    with recorded_mail(hooks_app) as mailbox:
        TwoFaClient(hooks_app, mailbox).user()
    queue_test(hooks_app, endpoint)
    queued = deliveries(hooks_app)
    assert len(queued) >= 2
    assert send(hooks_app).delivered == len(queued) == len(receiver.received)
    assert receiver.bad == []  # every signature checked by tests/webhook_receiver.verify
    for row, got in zip(queued, receiver.received, strict=True):
        assert got.headers["content-type"] == "application/json"
        assert got.headers["webhook-id"] == row["message_id"]
        assert got.headers["webhook-timestamp"] == str(int(CLOCK.now()))
        assert got.headers["webhook-signature"].startswith("v1,")
        assert got.body == row["payload"].encode()
        assert verify(receiver.secret, got.headers, got.body, tolerance=300)
        tampered = got.body.replace(b'"type"', b'"kind"')
        assert not verify(receiver.secret, got.headers, tampered)
    types = [e["type"] for e in receiver.events()]
    assert types[0] == "registered" and types[-1] == "webhook.test"
    assert f"0 pending, {len(queued)} delivered, 0 failed" in listed(hooks_app)
    assert send(hooks_app).attempted == 0  # delivered once


def test_the_standardwebhooks_package_verifies_them_too(hooks_app, endpoint, receiver):
    queue_test(hooks_app, endpoint)
    send(hooks_app)
    got = receiver.received[0]
    assert standardwebhooks.Webhook(receiver.secret).verify(got.body, got.headers)


def test_down_failing_slow_then_back_delivers_the_same_message(hooks_app, endpoint, receiver):
    queue_test(hooks_app, endpoint)
    receiver.down()
    assert send(hooks_app).retried == 1
    [row] = deliveries(hooks_app)
    assert row["attempts"] == 1 and row["next_attempt_at"] == int(CLOCK.now()) + 5
    assert "Connection refused" in row["last_error"]
    assert send(hooks_app).attempted == 0  # not due yet

    CLOCK.advance(5)
    receiver.up()
    receiver.status = 500
    assert send(hooks_app).retried == 1
    assert deliveries(hooks_app)[0]["last_error"] == "answered HTTP 500"

    CLOCK.advance(30)
    receiver.status, receiver.delay = 200, 1.6
    started = time.monotonic()
    assert send(hooks_app).retried == 1
    took = time.monotonic() - started
    assert 1 <= took < 1.5, took  # the deadline (1 s) cut the exchange
    assert deliveries(hooks_app)[0]["last_error"] == "no answer within 1 s"
    receiver.settle()

    CLOCK.advance(120)
    receiver.delay = 0
    started = time.monotonic()
    assert send(hooks_app).delivered == 1
    assert time.monotonic() - started < 0.5
    assert [r.answered for r in receiver.received] == [500, 200, 200]
    assert len(set(receiver.ids())) == 1  # the same webhook-id on every retry
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3  # each signed when sent
    assert receiver.bad == []
    [row] = deliveries(hooks_app)
    assert (row["status"], row["attempts"]) == ("delivered", 4)
    shown = listed(hooks_app)
    assert "0 pending, 1 delivered, 0 failed" in shown
    assert "last error: no answer within 1 s" in shown


def test_retries_back_off_for_a_day_then_fail(hooks_app, endpoint, receiver):
    receiver.status = 500
    queue_test(hooks_app, endpoint)
    created = int(CLOCK.now())
    waits = []
    while True:
        send(hooks_app)
        [row] = deliveries(hooks_app)
        if row["status"] == "failed":
            break
        waits.append(row["next_attempt_at"] - int(CLOCK.now()))
        CLOCK.advance(waits[-1])
    assert waits[:7] == [5, 30, 120, 600, 1800, 3600, 7200]
    assert set(waits[7:]) == {7200}
    assert sum(waits) >= DAY > sum(waits[:-1])  # tried for a day, and no longer
    assert row["attempts"] == len(waits) + 1 == len(receiver.received) == 19
    assert row["finished_at"] - created >= DAY
    assert len(set(receiver.ids())) == 1 and receiver.bad == []
    shown = listed(hooks_app)
    assert "0 pending, 0 delivered, 1 failed" in shown and "answered HTTP 500" in shown
    CLOCK.advance(DAY)
    assert send(hooks_app).attempted == 0


def test_a_redirect_is_not_followed(hooks_app, endpoint, receiver):
    receiver.status, receiver.location = 302, "http://127.0.0.1:1/elsewhere"
    queue_test(hooks_app, endpoint)
    assert send(hooks_app).retried == 1
    assert deliveries(hooks_app)[0]["last_error"] == "answered HTTP 302"
    assert len(receiver.received) == 1


def test_the_address_is_checked_again_when_sending(hooks_app, app_config, endpoint, receiver):
    """Added while private addresses were allowed (or while DNS said otherwise): refused now."""
    queue_test(hooks_app, endpoint)
    strict = make_app({**app_config, "WEBHOOKS_ALLOW_PRIVATE": False})
    assert send(strict).retried == 1
    error = deliveries(strict)[0]["last_error"]
    assert error.startswith("127.0.0.1 a loopback address"), error
    assert receiver.received == []


def test_a_lease_keeps_others_off_until_it_runs_out(hooks_app, endpoint, receiver):
    """A sender that died holding a delivery: the others wait for its lease, then send it."""
    queue_test(hooks_app, endpoint)
    now = int(CLOCK.now())
    with hooks_app.app_context():
        [(delivery_id, _)] = store.due(now, 10)
        assert store.claim(delivery_id, "dead-sender", now, now + 31)
        assert store.claim(delivery_id, "another", now, now + 31) is None
    assert send(hooks_app).attempted == 0
    CLOCK.advance(32)
    assert send(hooks_app).delivered == 1
    with hooks_app.app_context():  # the dead sender's late word changes nothing
        assert not store.retry(delivery_id, "dead-sender", now, now + 5, "late")
    assert deliveries(hooks_app)[0]["status"] == "delivered"


def test_two_senders_at_once_post_each_message_once(hooks_app, endpoint, receiver):
    receiver.delay = 0.1
    queue_test(hooks_app, endpoint, times=20)
    start = threading.Barrier(2)
    done: list[webhook_sender.Sent] = []

    def sender():
        start.wait()
        done.append(send(hooks_app))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(s.delivered for s in done) != [0, 20], done  # both took part
    assert sum(s.delivered for s in done) == 20
    assert sorted(receiver.ids()) == sorted({r["message_id"] for r in deliveries(hooks_app)})
    assert not any(r.overlapped for r in receiver.received)


def flask_once(database_url: str, tmp_path: Path, *instead: str) -> subprocess.Popen:
    """`flask webhooks run --once` (or with the options instead) in a process of its own (a
    fresh start of the service)."""
    env = {
        **os.environ,
        "FLASK_DEBUG": "1",
        "MFA_CONFIG_FILE": str(tmp_path / "no-config.py"),
        "MFA_DATABASE_URL": database_url,
        "MFA_SECRET_KEY": "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc",
        "MFA_ENCRYPTION_KEYS": TEST_KEY,
        "MFA_WEBHOOKS_ALLOW_PRIVATE": "true",
        "MFA_WEBHOOKS_TIMEOUT_SECONDS": "5",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "webhooks", "run"]
    command += instead or ["--once"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)


def output(process: subprocess.Popen) -> str:
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    return out


def test_deliveries_outlive_the_process_and_senders_in_processes_share(
    hooks_app, endpoint, receiver, tmp_path
):
    url = hooks_app.config["DATABASE_URL"]
    with recorded_mail(hooks_app) as mailbox:
        TwoFaClient(hooks_app, mailbox).user()
    receiver.down()
    assert "Delivered 0, to retry 1, failed 0." in output(flask_once(url, tmp_path))
    receiver.up()
    receiver.delay = 0.2
    queue_test(hooks_app, endpoint, times=10)
    with hooks_app.app_context():  # as if the back-off's 5 s had passed
        get_db().execute("UPDATE webhook_deliveries SET next_attempt_at = next_attempt_at - 10")
    senders = [flask_once(url, tmp_path) for _ in range(2)]
    said = [output(process) for process in senders]
    delivered = [int(s.split("Delivered ")[1].split(",")[0]) for s in said]
    assert sum(delivered) == len(deliveries(hooks_app)) >= 11, said
    assert sorted(receiver.ids()) == sorted(r["message_id"] for r in deliveries(hooks_app))
    assert not any(r.overlapped for r in receiver.received)
    assert all(verify(receiver.secret, r.headers, r.body, tolerance=300) for r in receiver.received)
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types.count("webhook.test") == 10 and "registered" in types
    assert {r["status"] for r in deliveries(hooks_app)} == {"delivered"}


def wait_for(check, timeout: float = 20) -> float:
    """Poll check() until it is true; the seconds it took (fails after timeout)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def test_the_running_sender_delivers_once_the_receiver_is_back_and_stops_on_sigterm(
    hooks_app, endpoint, receiver, tmp_path
):
    """`flask webhooks run` as its systemd unit runs it, by the database's (real) clock."""
    url = hooks_app.config["DATABASE_URL"]
    receiver.down()
    queue_test(hooks_app, endpoint)
    process = flask_once(url, tmp_path, "--interval", "0.2")
    try:
        wait_for(lambda: deliveries(hooks_app)[0]["attempts"] == 1)
        receiver.up()
        back = wait_for(lambda: len(receiver.received) == 1)
        assert back < 5 + 1, back  # the first retry comes 5 s after the failed attempt
        assert deliveries(hooks_app)[0]["status"] == "delivered"
        assert receiver.bad == []
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert process.returncode == 0
