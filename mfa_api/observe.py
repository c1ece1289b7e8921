"""Every request gets an id (the caller's X-Request-Id when it is a sane one), one line in the
request log, and its count and duration in the metrics.

The log line holds the time, method, route (the URL rule, or the mfa-php endpoint; never the
path or query), status,
duration, request id, client IP and user id when a token named one: nothing from the body or
headers, so never a code, password, token or secret. LOG_FORMAT=json writes it as a JSON object.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask.logging import wsgi_errors_stream

from .metrics import observe_request
from .state import state

request_log = logging.getLogger("mfa_api.requests")

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_PLAIN_WORD = re.compile(r"[!#-<>-\[\]-~]+")  # printable ASCII but space, quote, = and backslash


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-Id when it is 1-128 of [A-Za-z0-9._-], else a fresh id."""
    if header is not None and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(8)


def _word(value: object) -> str:
    """value as one word of the text log: as is when plain, else JSON-quoted, so that no value
    can end its word early or forge a `key=value` of its own."""
    text = "-" if value is None else str(value)
    return text if _PLAIN_WORD.fullmatch(text) else json.dumps(text)


def log_line(fields: dict, log_format: str) -> str:
    """One request's log line: a JSON object, or `key=value` words after the time."""
    if log_format == "json":
        return json.dumps(fields, separators=(",", ":"))
    words = [_word(fields[key]) for key in ("time", "method", "route", "status")]
    words.append(f"{fields['duration_ms']}ms")
    words += [f"{key}={_word(fields[key])}" for key in ("request_id", "ip", "user_id")]
    return " ".join(words)


def _start() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get("X-Request-Id"))


def _finish(response: Response) -> Response:
    if "request_id" not in g:  # a request that failed before _start ran
        return response
    response.headers["X-Request-Id"] = g.request_id
    seconds = time.perf_counter() - g.started
    route = g.get("route") or (request.url_rule.rule if request.url_rule is not None else "-")
    observe_request(request.method, route, response.status_code, seconds)
    user = g.get("user")
    fields = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": request.method,
        "route": route,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        "request_id": g.request_id,
        "ip": request.remote_addr or "-",
        "user_id": user.id if user is not None else None,
    }
    request_log.info(log_line(fields, state().values.log_format))
    return response


def init_observe(app: Flask) -> None:
    """Give every request its id, log line and metrics; the log goes to the WSGI server's error
    stream (gunicorn's stderr, Apache's error log) unless the logging is configured already."""
    request_log.setLevel(logging.INFO)
    if not request_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(wsgi_errors_stream)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.propagate = False  # not again through Flask's handler
    app.before_request(_start)
    app.after_request(_finish)
