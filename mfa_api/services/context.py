"""What a service call needs besides its own inputs: settings, the time, mail, SMS, the caller."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..mailer import Mailer
from ..sms import SmsGateway


@dataclass(frozen=True)
class Client:
    """Who is asking: for per-client counters and the audit trail."""

    ip: str
    user_agent: str
    request_id: str


@dataclass(frozen=True)
class Context:
    """One call's world: built by a face (HTTP or CLI), passed down, never global."""

    settings: Settings
    now: int
    mailer: Mailer
    sms: SmsGateway | None
    client: Client
