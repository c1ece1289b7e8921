"""A Twilio-compatible SMS gateway on loopback that records what it is sent."""

from __future__ import annotations

import base64
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    """Start with start(); `sent` holds (path, form fields, basic-auth user:password)."""

    def __init__(self, status: int = 201):
        self.sent: list[tuple[str, dict, str]] = []
        self.status = status
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                auth = self.headers.get("Authorization", "").removeprefix("Basic ")
                gateway.sent.append((self.path, form, base64.b64decode(auth).decode()))
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"sid": "SM1", "status": "queued"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeGateway:
        """Serve in a background thread."""
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def last_code(self, to: str) -> str:
        """The 6-digit code in the latest message to `to` (+ and digits)."""
        body = [form["Body"] for _, form, _ in self.sent if form["To"] == to][-1]
        return re.search(r"\b(\d{6})\b", body).group(1)

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
