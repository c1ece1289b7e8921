"""Posting a webhook: http.client to an address checked first (server-side request forgery),
within one deadline for the whole exchange, and no redirect followed.

The receiver's name is resolved once and every address it has must be public (unless
WEBHOOKS_ALLOW_PRIVATE): no loopback, private, link-local, multicast, reserved or unspecified
one. The connection then goes to the address that was checked (TLS still verifies the name), so a
name that resolves again differently in between (DNS rebinding) cannot turn it inward.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import threading
from urllib.parse import urlsplit

USER_AGENT = "mfa-api-webhooks/1"
SCHEMES = {"http": 80, "https": 443}


class DeliveryError(Exception):
    """The receiver could not be reached, was refused, or did not answer in time."""


class Refused(DeliveryError):
    """The URL, or an address its host resolves to, may not receive webhooks."""


def url_problem(url: str) -> str | None:
    """What is wrong with a receiver's URL as written (before any resolving), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "is not a URL"
    if parts.scheme not in SCHEMES or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if parts.username is not None or parts.password is not None:
        return "must carry no user or password (the signature proves who sends)"
    if parts.fragment:
        return "must have no #fragment"
    return None


def address_problem(address: str) -> str | None:
    """What an address is when it may not receive webhooks (no public unicast one), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id (fe80::1%eth0)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    if not ip.is_global:  # shared (100.64.0.0/10), documentation, benchmarking ranges…
        return "not a public address"
    return None


def checked_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for host: each one it resolves to checked; Refused if any
    is not public (unless allowed) or it does not resolve."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve ({exc})") from exc
    addresses = [info[4][0] for info in found]
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                where = address if address == host.strip("[]") else f"{host} resolves to {address},"
                raise Refused(f"{where} {problem} (WEBHOOKS_ALLOW_PRIVATE would allow it)")
    return addresses[0]


def post(
    url: str, body: bytes, headers: dict[str, str], deadline: float, allow_private: bool
) -> int:
    """POST body to url; the answer's status (a redirect is not followed). DeliveryError when
    it cannot be reached, is refused, or the exchange takes longer than deadline in all."""
    problem = url_problem(url)
    if problem:
        raise Refused(f"the URL {problem}")
    parts = urlsplit(url)
    port = parts.port or SCHEMES[parts.scheme]
    address = checked_address(parts.hostname, port, allow_private)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname, port, timeout=deadline)
    # Connect to the address checked above, not to whatever the name resolves to next (TLS
    # still checks the certificate against the name, and Host: carries it).
    conn._create_connection = lambda _, timeout, source: socket.create_connection(  # noqa: SLF001
        (address, port), timeout, source
    )
    cut = threading.Event()
    watchdog = threading.Timer(deadline, _cut, (conn, cut))
    watchdog.start()
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", target, body=body, headers={**headers, "User-Agent": USER_AGENT})
        return conn.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        if cut.is_set() or isinstance(exc, TimeoutError):
            raise DeliveryError(f"no answer within {deadline:g} s") from exc
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:200]) from exc
    finally:
        watchdog.cancel()
        conn.close()


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    """The deadline passed: end the exchange (a receiver trickling bytes would otherwise keep
    it going past its deadline, each read within the socket's timeout)."""
    cut.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # closed meanwhile
            sock.shutdown(socket.SHUT_RDWR)
