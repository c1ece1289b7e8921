"""A webhook receiver on loopback that can be up, down, slow or failing, and that checks every
signature with an implementation of the Standard Webhooks scheme of its own (not the
service's), and whether one message ever arrives twice at the same time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers: dict, body: bytes, tolerance: int | None = None) -> bool:
    """The scheme, written from its specification: the key is the base64 after `whsec_`; the
    signed content `{webhook-id}.{webhook-timestamp}.{body}`; a space-separated list of
    `v1,<base64 HMAC-SHA256>`, any of which may match; the timestamp within tolerance."""
    if not secret.startswith("whsec_"):
        return False
    key = base64.b64decode(secret[len("whsec_") :])
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if tolerance is not None and abs(time.time() - int(timestamp)) > tolerance:
        return False
    content = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, sig = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


@dataclass
class Received:
    """One request the receiver took in (whatever it answered)."""

    headers: dict
    body: bytes
    at: float  # real time of arrival (recorded then, before any delay)
    answered: int
    overlapped: bool  # the same webhook-id was being received at that moment


class Receiver:
    """Answers `status` after `delay` seconds; `down()` closes its port, `up()` opens it again
    (the same port); `secret` set, every signature is checked (`bad` counts the failures)."""

    def __init__(self):
        self.received: list[Received] = []
        self.status = 200
        self.delay = 0.0
        self.secret: str | None = None
        self.bad: list[bytes] = []
        self.location: str | None = None
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self.server = self._serve(0)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def _serve(self, port: int) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                receiver._take(self)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def _take(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        message_id = headers.get("webhook-id", "")
        with self._lock:
            overlapped = self._in_flight.get(message_id, 0) > 0
            self._in_flight[message_id] = self._in_flight.get(message_id, 0) + 1
            status = self.status
            self.received.append(Received(headers, body, time.time(), status, overlapped))
        if self.secret is not None and not verify(self.secret, headers, body):
            self.bad.append(body)
        try:
            time.sleep(self.delay)
            handler.send_response(status)
            if self.location:
                handler.send_header("Location", self.location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:
            pass  # the sender gave up on us (its deadline)
        finally:
            with self._lock:
                self._in_flight[message_id] -= 1

    def down(self) -> None:
        """Close the port: connections are refused."""
        self.server.shutdown()
        self.server.server_close()

    def up(self) -> None:
        """Listen on the same port again."""
        self.server = self._serve(self.port)

    def settle(self, timeout: float = 10) -> None:
        """Wait until no request is being answered (a slow answer the sender gave up on)."""
        end = time.time() + timeout
        while any(self._in_flight.values()) and time.time() < end:
            time.sleep(0.01)

    def ids(self) -> list[str]:
        """The webhook-id of each request received, in order."""
        return [r.headers["webhook-id"] for r in self.received]

    def events(self) -> list[dict]:
        """The JSON body of each request received."""
        return [json.loads(r.body) for r in self.received]

    def stop(self) -> None:
        """Stop serving."""
        self.down()
