"""POST /register: a pending sign-up, its emailed code and its authenticator secret."""

import base64
import time

import pytest

from mfa_api.errors import ServiceUnavailable
from mfa_api.services.flows import registration
from tests.helpers import CLOCK, PASSWORD, make_app, totp, unseal
from tests.smtp import SmtpSink, free_port

BODY = {
    "names": "Alice",
    "email": "alice@example.com",
    "phone": "250788000001",
    "password": PASSWORD,
}


def pending_row(db, email="alice@example.com"):
    return db.fetch_one("SELECT * FROM waiting_users WHERE email = ?", (email,))


def test_register_answers_like_mfa_php_with_a_qr_code_made_here(legacy):
    response = legacy.post("register", BODY)
    assert response.status_code == 200
    body = response.json
    assert body["success"] is True
    assert body["message"] == "Registration successful"
    data = body["data"]
    assert set(data) == {"email", "secret", "imageUrl", "qrCode"}
    assert data["email"] == "alice@example.com"
    assert data["imageUrl"] == (
        f"otpauth://totp/MFA%20API:alice%40example.com?secret={data['secret']}"
        "&issuer=MFA%20API&algorithm=SHA1&digits=6&period=30"
    )
    prefix = "data:image/png;base64,"
    assert data["qrCode"].startswith(prefix)
    assert base64.b64decode(data["qrCode"][len(prefix) :]).startswith(b"\x89PNG\r\n\x1a\n")


def test_register_stores_a_pending_row_with_nothing_in_clear(legacy, db):
    before = int(CLOCK.now())
    data = legacy.register()
    code = legacy.last_code("alice@example.com")
    row = pending_row(db)
    assert row["names"] == "Alice"
    assert row["phone"] == "250788000001"
    assert row["password"].startswith("$argon2id$") and PASSWORD not in row["password"]
    assert data["secret"] not in row["auth_code"] and unseal(row["auth_code"]) == data["secret"]
    assert code not in row["email_otp"] and len(row["email_otp"]) == 64
    assert before + 300 <= row["otp_expires_at"] <= int(CLOCK.now()) + 300
    assert row["trials"] == 0
    assert db.fetch_one("SELECT id FROM users WHERE email = ?", ("alice@example.com",)) is None


def test_register_emails_the_code_and_its_five_minutes(legacy):
    legacy.register()
    message = legacy.mailbox[-1]
    code = legacy.last_code("alice@example.com")
    assert message.to == "alice@example.com"
    assert code in message.subject and code in message.text and code in message.html
    assert "5 minutes" in message.text and "5 min" in message.subject


def test_the_code_is_never_in_the_response(legacy):
    response = legacy.post("register", BODY)
    assert legacy.last_code("alice@example.com") not in response.get_data(as_text=True)


def test_email_and_phone_are_normalised(legacy, db):
    legacy.post("register", {**BODY, "email": "  Alice@Example.COM ", "phone": "+250 788-000001"})
    row = pending_row(db)
    assert row["email"] == "alice@example.com"
    assert row["phone"] == "250788000001"


def test_registering_again_starts_over_with_new_secret_and_code(legacy, db):
    first = legacy.register()
    first_code = legacy.last_code("alice@example.com")
    second = legacy.register()
    second_code = legacy.last_code("alice@example.com")
    assert first["secret"] != second["secret"]
    count = db.fetch_one("SELECT COUNT(*) AS n FROM waiting_users", ())["n"]
    assert count == 1
    stale = legacy.post(
        "verify",
        {
            "email": "alice@example.com",
            "email_otp": first_code,
            "auth_code": totp(second["secret"]),
        },
    )
    if first_code != second_code:
        assert stale.status_code == 401
    fresh = legacy.post(
        "verify",
        {
            "email": "alice@example.com",
            "email_otp": second_code,
            "auth_code": totp(second["secret"]),
        },
    )
    assert fresh.status_code == 200


def test_a_sign_up_with_another_pending_sign_ups_phone_leaves_it_alone(legacy, db):
    victim = legacy.register(email="victim@example.com")
    victim_code = legacy.last_code("victim@example.com")
    legacy.register(email="squatter@example.com")  # the same (unverified) phone
    emails = {r["email"] for r in db.fetch_all("SELECT email FROM waiting_users", ())}
    assert emails == {"victim@example.com", "squatter@example.com"}
    squatter = legacy.post(
        "verify",
        {
            "email": "squatter@example.com",
            "email_otp": legacy.last_code("squatter@example.com"),
            "auth_code": totp(db_secret(db, "squatter@example.com")),
        },
    )
    assert squatter.status_code == 200
    response = legacy.post(
        "verify",
        {
            "email": "victim@example.com",
            "email_otp": victim_code,
            "auth_code": totp(victim["secret"]),
        },
    )
    assert response.status_code == 200


def db_secret(db, email):
    stored = db.fetch_one("SELECT auth_code FROM waiting_users WHERE email = ?", (email,))
    return unseal(stored["auth_code"])


def test_a_taken_email_or_a_verified_phone_is_a_409(legacy, db):
    legacy.enrolled()
    taken_email = legacy.post("register", {**BODY, "email": "ALICE@example.com", "phone": "999999"})
    claimed_phone = legacy.post("register", {**BODY, "email": "other@example.com"})
    assert claimed_phone.status_code == 200  # a phone typed at sign-up proves nothing
    db.execute("UPDATE users SET verified_phone = phone")  # as /api/auth/2fa/phone/verify does
    verified_phone = legacy.post("register", {**BODY, "email": "third@example.com"})
    for response in (taken_email, verified_phone):
        assert response.status_code == 409
        assert response.json == {"success": False, "error": "User already exists"}


def test_missing_fields_say_all_fields_are_required(legacy):
    response = legacy.post("register", {"email": "alice@example.com"})
    assert response.status_code == 400
    assert response.json["error"] == "All fields are required"
    assert response.json["success"] is False
    assert set(response.json["errors"]) == {"names", "phone", "password"}


def test_an_invalid_email_is_a_400(legacy):
    response = legacy.post("register", {**BODY, "email": "alice-at-example"})
    assert response.status_code == 400
    assert response.json["error"].startswith("Not a valid email address: ")
    assert list(response.json["errors"]) == ["email"]


def test_passwords_shorter_than_8_or_longer_than_72_bytes_are_refused(legacy):
    short = legacy.post("register", {**BODY, "password": "seven77"})
    long = legacy.post("register", {**BODY, "password": "p" * 73})
    assert (short.status_code, long.status_code) == (400, 400)
    assert "at least 8" in short.json["error"]
    assert "72 bytes" in long.json["error"]


def test_a_failing_mail_server_is_a_503_and_a_retry_works_once_it_is_back(app_config, tmp_path):
    port = free_port()
    # A real SMTP mailer, its breaker open for a moment only (the retry would be refused at once).
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BREAKER_SECONDS=0.01)
    app = make_app(app_config, record_mail=False)
    client = app.test_client()
    response = client.post("/mfa-php/api/register", json=BODY)
    assert response.status_code == 503
    assert response.json == {"success": False, "error": "Could not send the verification email"}
    sink = SmtpSink(port).start()
    time.sleep(0.02)  # past the mail breaker's moment
    try:
        retry = client.post("/mfa-php/api/register", json=BODY)
        assert retry.status_code == 200
        secret = retry.json["data"]["secret"]
        code = sink.last_code("alice@example.com")
    finally:
        sink.stop()
    verify = client.post(
        "/mfa-php/api/verify",
        json={"email": "alice@example.com", "email_otp": code, "auth_code": totp(secret)},
    )
    assert verify.status_code == 200


def test_a_failed_mail_leaves_the_earlier_pending_registration_working(legacy, monkeypatch):
    data = legacy.register()
    code = legacy.last_code("alice@example.com")

    def broken(*_args, **_kwargs):
        raise ServiceUnavailable("Could not send the verification email")

    monkeypatch.setattr(registration, "send_code", broken)
    assert legacy.post("register", BODY).status_code == 503
    verify = legacy.post(
        "verify",
        {"email": "alice@example.com", "email_otp": code, "auth_code": totp(data["secret"])},
    )
    assert verify.status_code == 200


def test_a_common_password_is_refused_with_a_reason(legacy):
    response = legacy.post("register", {**BODY, "password": "Password123"})
    assert response.status_code == 400
    assert (
        response.json["error"] == "This password is too common; choose one that is harder to guess"
    )
    assert list(response.json["errors"]) == ["password"]


@pytest.mark.parametrize("dressed_up", ["Passw0rd!", "Summer2024!", "Welcome1!"])
def test_a_common_word_dressed_up_is_refused_at_sign_up(legacy, dressed_up):
    response = legacy.post("register", {**BODY, "password": dressed_up})
    assert response.status_code == 400 and list(response.json["errors"]) == ["password"]
    assert legacy.post("register", {**BODY, "password": "Lantern&Fjord77"}).status_code == 200


def test_a_password_of_spaces_only_is_refused(legacy):
    response = legacy.post("register", {**BODY, "password": " " * 10})
    assert response.status_code == 400
    assert response.json["error"] == "Password cannot be only spaces or invisible characters."


@pytest.fixture
def common_allowed(app_config):
    """REJECT_COMMON_PASSWORDS off (ask for it before `legacy`)."""
    app_config["REJECT_COMMON_PASSWORDS"] = False


def test_the_common_password_list_can_be_turned_off_but_not_the_spaces_rule(common_allowed, legacy):
    assert legacy.post("register", {**BODY, "password": "Password123"}).status_code == 200
    assert legacy.post("register", {**BODY, "password": " " * 10}).status_code == 400


@pytest.mark.parametrize("email", ["it.desk@corp.local", "qa@example.test"])
def test_addresses_mfa_php_took_at_intranet_and_test_domains_sign_up(legacy, email):
    legacy.enrolled(email=email)
    assert legacy.mailbox[0].to == email
    response = legacy.post("login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.json


@pytest.fixture
def special_use_refused(app_config):
    """REJECT_SPECIAL_USE_DOMAINS on (ask for it before `legacy`)."""
    app_config["REJECT_SPECIAL_USE_DOMAINS"] = True


@pytest.mark.parametrize("email", ["it.desk@corp.local", "qa@example.test", "a@b.localhost"])
def test_an_operator_may_refuse_special_use_names(special_use_refused, legacy, db, email):
    response = legacy.post("register", {**BODY, "email": email})
    assert response.status_code == 400
    why = (
        "Not a valid email address: The part after the @-sign is a special-use or reserved name"
        " that cannot be used with email."
    )
    assert response.json == {"success": False, "error": why, "errors": {"email": [why]}}
    assert legacy.mailbox == [] and pending_row(db, email) is None
    assert legacy.post("register", BODY).status_code == 200


def test_a_local_part_over_64_octets_is_refused_and_nothing_is_mailed(legacy, db):
    email = "l" * 65 + "@example.com"
    response = legacy.post("register", {**BODY, "email": email})
    assert response.status_code == 400
    assert response.json["error"] == (
        "Not a valid email address: The part before the @-sign is too long (at most 64 characters)."
    )
    assert legacy.mailbox == [] and pending_row(db, email) is None
    assert legacy.post("register", {**BODY, "email": "l" * 64 + "@example.com"}).status_code == 200
