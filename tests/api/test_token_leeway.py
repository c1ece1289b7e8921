"""JWT_LEEWAY_SECONDS: a token expired by less than the leeway is still taken (app hosts' clocks
may be a little apart), one expired by more is not (a logged-out one never is:
tests/domain/flows/test_sessions.py)."""

from __future__ import annotations

import pytest

from tests.helpers import CLOCK, TwoFaClient, make_app, recorded_mail, totp

TTL = 3600  # JWT_TTL_SECONDS's default
CHALLENGE_TTL = 300


@pytest.fixture
def client(app_config):
    app_config.update(JWT_LEEWAY_SECONDS=5)
    app = make_app(app_config)
    with recorded_mail(app) as messages:
        yield TwoFaClient(app, messages)


def test_an_access_token_is_taken_until_the_leeway_ends(client):
    access = client.access(client.user())
    CLOCK.advance(TTL + 4)
    assert client.call("GET", "events", access).status_code == 200  # 4 s past its exp
    CLOCK.advance(1)
    refused = client.call("GET", "events", access)
    assert (refused.status_code, refused.json["message"]) == (401, "Invalid or expired token")


def test_a_challenge_is_answered_within_the_leeway(client):
    secret = client.user()
    challenge = client.challenge()
    CLOCK.advance(CHALLENGE_TTL + 4)
    body = {"otp": totp(secret)}
    assert client.post("2fa/verify", challenge, body).status_code == 200


def test_a_challenge_past_the_leeway_is_refused(client):
    secret = client.user()
    challenge = client.challenge()
    CLOCK.advance(CHALLENGE_TTL + 5)
    body = {"otp": totp(secret)}
    assert client.post("2fa/verify", challenge, body).status_code == 401


def test_no_leeway_refuses_a_token_the_second_it_expires(app_config):
    app_config.update(JWT_LEEWAY_SECONDS=0)
    app = make_app(app_config)
    with recorded_mail(app) as messages:
        client = TwoFaClient(app, messages)
        access = client.access(client.user())
        CLOCK.advance(TTL)
        assert client.call("GET", "events", access).status_code == 401
