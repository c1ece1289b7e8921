"""Behind PROXY_COUNT reverse proxies: the client's address and scheme from X-Forwarded-*,
each kept only when it is what it claims to be (an IP address; http or https)."""

from __future__ import annotations

import ipaddress

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .state import state_of


def _is_ip(value: str | None) -> bool:
    """Whether value parses as an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value or "")
    except ValueError:
        return False
    return True


class CheckedProxyFix(ProxyFix):
    """werkzeug's ProxyFix, then any forwarded value that does not parse gives way to the
    socket's: a header such as `<img src=x>` never becomes the client of the audit trail,
    the request log or a rate-limit key."""

    def __init__(self, app, hops: int) -> None:
        self.checked_app = app
        super().__init__(self._checked, x_for=hops, x_proto=hops)

    def _checked(self, environ, start_response):
        original = environ["werkzeug.proxy_fix.orig"]
        if not _is_ip(environ.get("REMOTE_ADDR")):
            environ["REMOTE_ADDR"] = original["REMOTE_ADDR"]
        if environ.get("wsgi.url_scheme") not in ("http", "https"):
            environ["wsgi.url_scheme"] = original["wsgi.url_scheme"]
        return self.checked_app(environ, start_response)


def init_proxy(app: Flask) -> None:
    """Trust PROXY_COUNT hops of X-Forwarded-For and X-Forwarded-Proto (none when 0)."""
    hops = state_of(app).values.proxy_count
    if hops > 0:
        app.wsgi_app = CheckedProxyFix(app.wsgi_app, hops)
