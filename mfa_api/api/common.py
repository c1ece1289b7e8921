"""What every view needs from the request and the app: the JSON body, the clock, settings, mail."""

from __future__ import annotations

import json
import time

from flask import current_app, request

from ..config import Settings, settings_from
from ..errors import InvalidInput
from ..services.notifications import Mailer
from ..sms import SmsGateway


def json_body(message: str = "Invalid JSON data", *, optional: bool = False) -> dict:
    """The body as a JSON object, whatever the Content-Type says (like PHP's php://input).

    With optional, an empty body is an empty object.
    """
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:  # not JSON, or not UTF-8
        raise InvalidInput(message) from exc
    if not isinstance(data, dict):
        raise InvalidInput(message)
    return data


def now() -> int:
    """The current Unix time in whole seconds."""
    return int(time.time())


def settings() -> Settings:
    """The services' settings for this app, built once."""
    ext = current_app.extensions
    if "mfa_settings" not in ext:
        ext["mfa_settings"] = settings_from(current_app.config)
    return ext["mfa_settings"]


def mailer() -> Mailer:
    """How this app sends mail."""
    return current_app.extensions["mfa_mailer"]


def sms_gateway() -> SmsGateway | None:
    """The SMS gateway, if one is configured."""
    return current_app.extensions.get("mfa_sms")
