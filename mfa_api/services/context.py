"""What a service call needs besides its own inputs: settings, the time, mail, SMS, the caller."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..config import Settings
from ..mailer import Mailer
from ..sms import Sms


@dataclass(frozen=True)
class Client:
    """Who is asking: for per-client counters and the audit trail."""

    ip: str
    user_agent: str
    request_id: str

    @property
    def key(self) -> str:
        """The client as counters and rate limits know it (see client_key)."""
        return client_key(self.ip)


def client_key(ip: str) -> str:
    """An IPv4 address as is; an IPv6 address by its /64 (one subscriber gets a whole /64, so
    keying on the full address would hand an attacker 2**64 fresh clients)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return ip


@dataclass
class Tally:
    """What a call did that its request still needs to know after it: for rate limits, the
    guesses actually evaluated (a password, a code, a passkey's answer), not requests refused
    before that; for the answer, whether a step-up used up a backup code."""

    evaluated: int = 0
    backup_code_used: bool = False


@dataclass(frozen=True)
class Links:
    """Where a message sends the user next, as the face that built the context names it
    (services know no URL); empty: the message names no address."""

    new_backup_codes: str = ""
    add_phone: str = ""
    unlock: str = ""


@dataclass(frozen=True)
class Context:
    """One call's world: built by a face (HTTP or CLI), passed down, never global."""

    settings: Settings
    now: int
    mailer: Mailer
    sms: Sms | None
    client: Client
    tally: Tally = field(default_factory=Tally)
    links: Links = field(default_factory=Links)
