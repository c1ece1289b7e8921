"""Fixtures of the tests that call services directly, inside the test app."""

from __future__ import annotations

import pytest

from mfa_api.parts import senders
from mfa_api.services.context import Client, Context
from mfa_api.state import state


@pytest.fixture
def ctx(app):
    """A service call's context inside the test app, as the CLI builds one."""
    with app.app_context():
        made = state()
        mailer, sms = senders(made)
        client = Client(ip="192.0.2.7", user_agent="test", request_id="test")
        yield Context(made.settings, int(made.clock()), mailer, sms, client)
