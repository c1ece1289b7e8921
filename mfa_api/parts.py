"""The app's parts, made once in create_app: settings, clock, mailer and SMS gateway."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from .config import Settings, settings_from
from .mailer import Mailer, make_mailer
from .sms import SmsGateway, make_sms_gateway


@dataclass(frozen=True)
class Parts:
    """What every request shares; tests swap one (the clock, say) with dataclasses.replace."""

    settings: Settings
    clock: Callable[[], float]
    mailer: Mailer
    sms: SmsGateway | None


def init_parts(app: Flask) -> None:
    """Build the parts from the loaded configuration."""
    breakers = app.extensions["mfa_breakers"]
    app.extensions["mfa_parts"] = Parts(
        settings=settings_from(app.config),
        clock=time.time,
        mailer=make_mailer(app.config, breakers["mail"]),
        sms=make_sms_gateway(app.config, breakers["sms"]),
    )


def parts() -> Parts:
    """The current app's parts."""
    return current_app.extensions["mfa_parts"]
