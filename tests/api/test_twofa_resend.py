"""POST /2fa/resend-otp: a new code by email or SMS, accepted once by /2fa/verify."""

import pytest

from tests.sms_gateway import FakeGateway


@pytest.fixture
def gateway(store_config):
    """A loopback SMS gateway the app is configured to use (ask for it before `twofa`)."""
    fake = FakeGateway().start()
    store_config.update(
        SMS_GATEWAY_URL=fake.url,
        SMS_ACCOUNT_SID="AC123",
        SMS_AUTH_TOKEN="tok",
        SMS_FROM="+15550001",
    )
    yield fake
    fake.stop()


def test_resend_by_email_and_verify_with_that_code_once(twofa):
    twofa.user()
    challenge = twofa.challenge()
    response = twofa.post("2fa/resend-otp", challenge, {"channel": "email"})
    assert response.json == {"success": True, "message": "OTP sent via email"}
    code = twofa.last_code()
    assert code not in response.get_data(as_text=True)
    verify = twofa.post("2fa/verify", challenge, {"otp": code})
    assert verify.status_code == 200
    again = twofa.post("2fa/verify", twofa.challenge(), {"otp": code})
    assert again.status_code == 401


def test_email_is_the_default_channel_and_a_new_code_replaces_the_old(twofa):
    twofa.user()
    challenge = twofa.challenge()
    twofa.post("2fa/resend-otp", challenge)
    first = twofa.last_code()
    twofa.post("2fa/resend-otp", challenge)
    second = twofa.last_code()
    if first != second:
        assert twofa.post("2fa/verify", challenge, {"otp": first}).status_code == 401
    assert twofa.post("2fa/verify", challenge, {"otp": second}).status_code == 200


def test_an_expired_resent_code_is_refused(twofa, db):
    twofa.user()
    challenge = twofa.challenge()
    twofa.post("2fa/resend-otp", challenge)
    db.execute("UPDATE users SET otp_expires_at = otp_expires_at - 301")
    assert twofa.post("2fa/verify", challenge, {"otp": twofa.last_code()}).status_code == 401


def test_sms_without_a_gateway_is_a_400(twofa):
    twofa.user()
    response = twofa.post("2fa/resend-otp", twofa.challenge(), {"channel": "sms"})
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "SMS is not configured on this server"}


def test_an_unknown_channel_is_a_400(twofa):
    twofa.user()
    response = twofa.post("2fa/resend-otp", twofa.challenge(), {"channel": "pigeon"})
    assert response.status_code == 400


def test_sms_goes_through_the_gateway_and_its_code_verifies(gateway, twofa):
    twofa.user()
    challenge = twofa.challenge()
    response = twofa.post("2fa/resend-otp", challenge, {"channel": "sms"})
    assert response.json == {"success": True, "message": "OTP sent via sms"}
    path, form, auth = gateway.sent[-1]
    assert path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert auth == "AC123:tok"
    assert form["To"] == "+250788000001" and form["From"] == "+15550001"
    code = form["Body"].split("code is ")[1][:6]
    assert twofa.post("2fa/verify", challenge, {"otp": code}).status_code == 200


def test_sms_to_a_user_without_a_phone_is_a_400(gateway, twofa, db):
    twofa.user()
    db.execute("UPDATE users SET phone = ''")
    response = twofa.post("2fa/resend-otp", twofa.challenge(), {"channel": "sms"})
    assert response.json == {"success": False, "message": "No phone number on this account"}


def test_a_failing_gateway_is_a_503(gateway, twofa):
    gateway.status = 500
    twofa.user()
    response = twofa.post("2fa/resend-otp", twofa.challenge(), {"channel": "sms"})
    assert response.status_code == 503
