"""The app's parts, made once in create_app: settings, clock, mailer, SMS, development outbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask.helpers import get_debug_flag

from .config import Settings, settings_from
from .mailer import Mailer, make_mailer
from .metrics import CountedSender
from .outbox import KeepingMailer, KeepingSms, LogSms, Outbox
from .sms import Sms, make_sms_gateway


@dataclass(frozen=True)
class Parts:
    """What every request shares; tests swap one (the clock, say) with dataclasses.replace."""

    settings: Settings
    clock: Callable[[], float]
    mailer: Mailer
    sms: Sms | None
    keeps_outbox: bool = False  # FLASK_DEBUG=1 only

    def outbox(self) -> Outbox | None:
        """The development outbox, on this app's clock; None outside development."""
        return Outbox(self.clock) if self.keeps_outbox else None

    def senders(self) -> tuple[Mailer, Sms | None]:
        """The mailer and SMS sender a call uses, each counted in the metrics: with the
        development outbox, each also keeps what it sends there (and texts without a gateway go
        to the log)."""
        mailer, sms = self.mailer, self.sms
        outbox = self.outbox()
        if outbox is not None:
            mailer, sms = KeepingMailer(mailer, outbox), KeepingSms(sms or LogSms(), outbox)
        return CountedSender(mailer, "mail"), CountedSender(sms, "sms") if sms else None


def init_parts(app: Flask) -> None:
    """Build the parts from the loaded configuration."""
    breakers = app.extensions["mfa_breakers"]
    app.extensions["mfa_parts"] = Parts(
        settings=settings_from(app.extensions["mfa_values"], development=get_debug_flag()),
        clock=time.time,
        mailer=make_mailer(app.config, breakers["mail"]),
        sms=make_sms_gateway(app.config, breakers["sms"]),
        keeps_outbox=get_debug_flag(),
    )


def parts() -> Parts:
    """The current app's parts."""
    return current_app.extensions["mfa_parts"]
