"""POST /2fa/phone and /2fa/phone/verify: a phone proven by a texted code before codes go to it."""

import pytest

from tests.helpers import PASSWORD
from tests.sms_gateway import FakeGateway

EMAIL = "alice@example.com"
NEW_PHONE = "250788999999"


@pytest.fixture
def gateway(store_config):
    """A loopback SMS gateway the app is configured to use (ask for it before `twofa`)."""
    fake = FakeGateway().start()
    store_config.update(
        SMS_GATEWAY_URL=fake.url, SMS_ACCOUNT_SID="AC1", SMS_AUTH_TOKEN="t", SMS_FROM="+1555"
    )
    yield fake
    fake.stop()


def test_a_texted_code_proves_the_phone(gateway, twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    started = twofa.post(
        "2fa/phone", access, {"phone": "+250 788 999 999", **twofa.step_up(secret)}
    )
    assert started.status_code == 200
    code = gateway.last_code("+" + NEW_PHONE)
    verified = twofa.post("2fa/phone/verify", access, {"code": code})
    assert verified.json == {
        "success": True,
        "message": "Phone number verified",
        "phone": "+" + NEW_PHONE,
    }
    row = db.fetch_one("SELECT phone, verified_phone FROM users", ())
    assert row == {"phone": NEW_PHONE, "verified_phone": NEW_PHONE}
    assert "phone number was verified" in twofa.mailbox[-1].text
    assert twofa.post("2fa/phone/verify", access, {"code": code}).status_code == 400  # used


def test_adding_a_phone_needs_step_up(gateway, twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    no_code = twofa.post("2fa/phone", access, {"phone": NEW_PHONE, "password": PASSWORD})
    assert no_code.json == {"success": False, "message": "2FA code required"}
    wrong = twofa.post(
        "2fa/phone", access, {"phone": NEW_PHONE, **twofa.step_up(secret, "nope-nope")}
    )
    assert wrong.status_code == 401
    assert gateway.sent == []


def test_wrong_codes_are_counted_and_wear_the_code_out(gateway, twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    twofa.post("2fa/phone", access, {"phone": NEW_PHONE, **twofa.step_up(secret)})
    code = gateway.last_code("+" + NEW_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    statuses = [
        twofa.post("2fa/phone/verify", access, {"code": wrong}).status_code for _ in range(5)
    ]
    assert statuses == [401] * 5
    worn = twofa.post("2fa/phone/verify", access, {"code": code})
    assert worn.status_code == 429


def test_a_phone_verified_by_another_account_is_a_409(gateway, twofa):
    alice = twofa.user()
    twofa.verify_phone(twofa.access(alice), alice, gateway, phone=NEW_PHONE)
    bob = twofa.user(email="bob@example.com", phone="250788000002")
    access = twofa.access(bob, email="bob@example.com")
    body = {"phone": NEW_PHONE, **twofa.step_up(bob)}
    response = twofa.post("2fa/phone", access, body)
    assert response.status_code == 409
    assert response.json["message"] == "This phone number is verified on another account"


def test_without_an_sms_gateway_it_is_a_400(twofa):
    secret = twofa.user()
    response = twofa.post(
        "2fa/phone", twofa.access(secret), {"phone": NEW_PHONE, "password": PASSWORD}
    )
    assert response.json == {"success": False, "message": "SMS is not configured on this server"}


def test_verify_without_a_code_sent_is_a_400(gateway, twofa):
    access = twofa.access(twofa.user())
    response = twofa.post("2fa/phone/verify", access, {"code": "123456"})
    assert response.status_code == 400
