"""Fixtures of the tests that call services directly, inside the test app."""

from __future__ import annotations

import pytest

from mfa_api.parts import parts
from mfa_api.services.context import Client, Context


@pytest.fixture
def ctx(app):
    """A service call's context inside the test app, as the CLI builds one."""
    with app.app_context():
        made = parts()
        mailer, sms = made.senders()
        client = Client(ip="192.0.2.7", user_agent="test", request_id="test")
        yield Context(made.settings, int(made.clock()), mailer, sms, client)
