"""CORS: the allowed origins on every response, and a 204 for every preflight."""

from __future__ import annotations

from flask import Flask, Response, request

from .state import state

ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"  # PATCH: renaming a passkey
# X-Password: the former backup-code listing read it; still allowed, so that the preflight of
# a client that sends it passes.
ALLOWED_HEADERS = "Content-Type, Authorization, X-Password"
# What browser code may read of an answer: when to retry, the request's id, the limits.
EXPOSED_HEADERS = (
    "Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)

# The admin API is for servers (a back office, a SIEM), never a browser's page: no origin is
# allowed there, whatever CORS_ORIGINS says, so its preflights fail in the browser.
NO_CORS_PREFIX = "/api/admin"


def _allowed_origin() -> str | None:
    if request.path == NO_CORS_PREFIX or request.path.startswith(NO_CORS_PREFIX + "/"):
        return None
    origins = state().values.cors_origins
    if origins == "*" or origins == ["*"]:
        return "*"
    if isinstance(origins, str):
        origins = [o.strip() for o in origins.split(",")]
    origin = request.headers.get("Origin")
    return origin if origin in origins else None


def _preflight():
    if request.method == "OPTIONS":
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
        return response
    return None


def _add_origin(response: Response) -> Response:
    origin = _allowed_origin()
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if origin != "*":
        response.vary.add("Origin")
    return response


def init_cors(app: Flask) -> None:
    """Answer preflights and add Access-Control-Allow-Origin as CORS_ORIGINS says."""
    app.before_request(_preflight)
    app.after_request(_add_origin)
