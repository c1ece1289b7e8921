"""GET /dev/outbox: in development (FLASK_DEBUG=1) every mail and text is also kept there."""

import pytest

from tests.helpers import CLOCK, PASSWORD, from_ip, make_app, recorded_mail, totp

EMAIL = "alice@example.com"
BODY = {"names": "Alice", "email": EMAIL, "phone": "250788000001", "password": PASSWORD}


@pytest.fixture
def dev_app(store_config, monkeypatch):
    """An app started as `make run` starts it (FLASK_DEBUG=1), on each kind of store."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    return make_app(store_config)


def outbox(client, to):
    response = client.get("/dev/outbox", query_string={"to": to})
    assert response.status_code == 200, response.json
    return response.json["messages"]


def test_the_mailed_code_can_be_read_from_the_outbox_to_finish_a_sign_up(dev_app):
    client = dev_app.test_client()
    with recorded_mail(dev_app) as sent:
        secret = client.post("/mfa-php/api/register", json=BODY).json["data"]["secret"]
    [message] = outbox(client, "Alice@Example.com")
    assert set(message) == {"to", "subject", "text", "code", "sent_at"}
    assert message["to"] == EMAIL and message["subject"] == sent[0].subject
    assert message["code"] in message["text"] and len(message["code"]) == 6
    assert message["sent_at"].endswith("Z")
    finish = {"email": EMAIL, "email_otp": message["code"], "auth_code": totp(secret)}
    assert client.post("/mfa-php/api/verify", json=finish).status_code == 200


def test_newest_first_and_notices_carry_no_code(dev_app):
    client = dev_app.test_client()
    client.post("/mfa-php/api/register", json=BODY)
    CLOCK.advance(400)  # the first code expired: register again for a new one
    client.post("/mfa-php/api/register", json=BODY)
    first, second = outbox(client, EMAIL)
    assert first["sent_at"] > second["sent_at"] and first["code"] != second["code"]
    assert outbox(client, "nobody@example.com") == []


def test_texts_without_a_gateway_go_to_the_log_and_the_outbox(dev_app):
    client = dev_app.test_client()
    from mfa_api.outbox import Outbox
    from mfa_api.services import notifications

    with dev_app.test_request_context():
        from mfa_api.api.common import context

        ctx = context()
        notifications.text_code(ctx.sms, "250788000001", "code", "123456", 300)
        assert Outbox(CLOCK.now).read("+250788000001")[0].code == "123456"
    for spelling in ("+250788000001", " 250788000001", "250788000001"):  # + in a URL is a space
        [text] = outbox(client, spelling)
        assert text["subject"] is None and text["code"] == "123456"


def test_to_is_required(dev_app):
    response = dev_app.test_client().get("/dev/outbox")
    assert response.status_code == 400
    assert response.json["success"] is False and "to" in response.json["errors"]


def test_outside_development_there_is_no_outbox(app):
    client = app.test_client()
    client.post("/mfa-php/api/register", json=BODY)
    response = client.get("/dev/outbox", query_string={"to": EMAIL})
    assert response.status_code == 404
    assert "/dev/outbox" not in {rule.rule for rule in app.url_map.iter_rules()}


@pytest.mark.parametrize(
    "request_from",
    [
        from_ip("203.0.113.9"),  # another machine
        {"headers": {"X-Forwarded-For": "203.0.113.9"}},  # through a proxy on this machine
        {"headers": {"Forwarded": "for=203.0.113.9"}},
        {"headers": {"X-Real-IP": "127.0.0.1"}},
    ],
)
def test_the_outbox_answers_this_machine_alone(dev_app, request_from):
    client = dev_app.test_client()
    client.post("/mfa-php/api/register", json=BODY)
    response = client.get("/dev/outbox", query_string={"to": EMAIL}, **request_from)
    assert response.status_code == 404 and "code" not in response.text


def test_behind_a_proxy_a_forwarded_loopback_address_does_not_open_the_outbox(
    store_config, monkeypatch
):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = make_app({**store_config, "PROXY_COUNT": 1})
    client = app.test_client()
    client.post("/mfa-php/api/register", json=BODY)
    forged = {"X-Forwarded-For": "127.0.0.1"}
    response = client.get(
        "/dev/outbox", query_string={"to": EMAIL}, headers=forged, **from_ip("203.0.113.9")
    )
    assert response.status_code == 404
    assert len(outbox(client, EMAIL)) == 1  # this machine's own request still reads it
