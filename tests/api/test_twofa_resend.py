"""POST /2fa/resend-otp: a new code by email or SMS, accepted once by /2fa/verify."""

import pytest

from tests.helpers import totp
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


def test_sms_goes_through_the_gateway_to_the_verified_phone_and_its_code_verifies(gateway, twofa):
    secret = twofa.user()
    twofa.verify_phone(twofa.access(secret), secret, gateway, phone="250788999999")
    challenge = twofa.challenge()
    response = twofa.post("2fa/resend-otp", challenge, {"channel": "sms"})
    assert response.json == {"success": True, "message": "OTP sent via sms"}
    path, form, auth = gateway.sent[-1]
    assert path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert auth == "AC123:tok"
    assert form["To"] == "+250788999999" and form["From"] == "+15550001"
    code = form["Body"].split("code is ")[1][:6]
    assert twofa.post("2fa/verify", challenge, {"otp": code}).status_code == 200


def test_sms_to_an_unverified_phone_is_a_400(gateway, twofa):
    twofa.user()  # the phone typed at sign-up was never proven
    response = twofa.post("2fa/resend-otp", twofa.challenge(), {"channel": "sms"})
    assert response.status_code == 400
    assert response.json["message"].startswith("No verified phone number on this account")
    assert gateway.sent == []


def test_a_failing_gateway_is_a_503(gateway, twofa):
    secret = twofa.user()
    twofa.verify_phone(twofa.access(secret), secret, gateway)
    gateway.status = 500
    response = twofa.post("2fa/resend-otp", twofa.challenge(), {"channel": "sms"})
    assert response.status_code == 503


def test_a_code_resent_for_one_challenge_does_not_answer_another(twofa):
    twofa.user()
    first = twofa.challenge()
    twofa.post("2fa/resend-otp", first)
    code = twofa.last_code()
    second = twofa.challenge()
    assert twofa.post("2fa/verify", second, {"otp": code}).status_code == 401
    assert twofa.post("2fa/verify", first, {"otp": code}).status_code == 200


def test_the_mfa_php_login_code_does_not_answer_a_challenge(twofa):
    twofa.user()
    code = twofa.legacy.login()
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": code}).status_code == 401
    refused = twofa.legacy.post("verify", {"email": "alice@example.com", "email_otp": code})
    assert refused.status_code == 400  # and it still answers the mfa-php face (TOTP missing)


def test_a_resent_code_does_not_answer_the_mfa_php_face(twofa, db):
    secret = twofa.user()
    challenge = twofa.challenge()
    twofa.post("2fa/resend-otp", challenge)
    code = twofa.last_code()
    response = twofa.legacy.post(
        "verify", {"email": "alice@example.com", "email_otp": code, "auth_code": totp(secret, 1)}
    )
    assert response.status_code == 401
