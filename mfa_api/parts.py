"""The services' parts of the app's state (state.py), made once in create_app: settings, clock,
mailer, SMS, development outbox; and the senders a call uses, made from them."""

from __future__ import annotations

import time

from flask import Flask
from flask.helpers import get_debug_flag

from .config import settings_from
from .mailer import Mailer, make_mailer
from .metrics import CountedSender
from .outbox import KeepingMailer, KeepingSms, LogSms, Outbox
from .sms import Sms, make_sms_gateway
from .state import AppState, fill, state_of


def outbox(made: AppState) -> Outbox | None:
    """The development outbox, on the app's clock; None outside development."""
    return Outbox(made.clock) if made.keeps_outbox else None


def senders(made: AppState) -> tuple[Mailer, Sms | None]:
    """The mailer and SMS sender a call uses, each counted in the metrics: with the development
    outbox, each also keeps what it sends there (and texts without a gateway go to the log)."""
    mailer, sms = made.mailer, made.sms
    kept = outbox(made)
    if kept is not None:
        mailer, sms = KeepingMailer(mailer, kept), KeepingSms(sms or LogSms(), kept)
    return CountedSender(mailer, "mail"), CountedSender(sms, "sms") if sms else None


def init_parts(app: Flask) -> None:
    """Build the services' parts from the typed settings (after init_breakers)."""
    made = state_of(app)
    fill(
        app,
        settings=settings_from(made.values, development=get_debug_flag()),
        clock=time.time,
        mailer=make_mailer(made.values, made.breakers["mail"]),
        sms=make_sms_gateway(made.values, made.breakers["sms"]),
        keeps_outbox=get_debug_flag(),
    )
