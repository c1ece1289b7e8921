"""Protective headers on every response: nothing cached, nothing sniffed, framed or referred.

Written here rather than with flask-talisman: that library is made for HTML sites (it redirects
HTTP to HTTPS by default, sets a page CSP and session-cookie flags) and would need each default
overridden for a JSON API, while it does not set Cache-Control at all.
"""

from __future__ import annotations

from flask import Flask, Response

from .state import state

FIXED = {
    # Responses carry codes, secrets, QR codes and tokens: no cache (browser or proxy) keeps them.
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def _protect(response: Response) -> Response:
    for name, value in FIXED.items():
        response.headers.setdefault(name, value)
    hsts = state().values.hsts_seconds
    if hsts > 0:
        response.headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
    return response


def init_headers(app: Flask) -> None:
    """Add the protective headers to every response, errors and preflights included."""
    app.after_request(_protect)
