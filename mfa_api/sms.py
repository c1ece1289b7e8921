"""Text messages through a Twilio-compatible REST gateway (SMS_GATEWAY_URL and its account)."""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .breaker import Breaker

if TYPE_CHECKING:
    from .config import Values

log = logging.getLogger(__name__)


class SmsDeliveryError(Exception):
    """The gateway could not be reached or refused the message."""


@dataclass(frozen=True)
class TextMessage:
    """A text message to one phone (+ and digits), and the one-time code it carries."""

    to: str
    text: str
    code: str | None = None


class Sms(Protocol):
    """Anything that sends a TextMessage (raising SmsDeliveryError when it cannot)."""

    def send(self, message: TextMessage) -> None: ...


@dataclass(frozen=True)
class SmsGateway:
    """POST {base}/2010-04-01/Accounts/{sid}/Messages.json with To, From, Body (basic auth)."""

    base_url: str
    account_sid: str
    auth_token: str
    sender: str
    timeout: float
    breaker: Breaker  # opened when the gateway cannot be reached

    def send(self, message: TextMessage) -> None:
        """Send one message; raise SmsDeliveryError when the gateway fails (or is known down)."""
        if self.breaker.is_open():
            raise SmsDeliveryError("the SMS gateway failed moments ago")
        sid = urllib.parse.quote(self.account_sid, safe="")
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        data = urllib.parse.urlencode(
            {"To": message.to, "From": self.sender, "Body": message.text}
        ).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the operator's configured gateway
            url, data=data, method="POST", headers={"Authorization": f"Basic {credentials}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if response.status >= 300:
                    raise SmsDeliveryError(f"gateway answered {response.status}")
        except (urllib.error.URLError, OSError) as exc:
            if not isinstance(exc, urllib.error.HTTPError):  # it answered: not an outage
                self.breaker.failed()
            log.error("The SMS gateway failed: %s", exc)
            raise SmsDeliveryError(str(exc)) from exc


def make_sms_gateway(values: Values, breaker: Breaker) -> SmsGateway | None:
    """The gateway, when SMS_GATEWAY_URL and its account are all set."""
    account = (
        values.sms_gateway_url,
        values.sms_account_sid,
        values.sms_auth_token,
        values.sms_from,
    )
    if not all(account):
        return None
    return SmsGateway(*account, timeout=values.sms_timeout_seconds, breaker=breaker)
