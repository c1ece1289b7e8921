"""POST /login: the password, then a new emailed code; one 401 for every kind of miss."""

import bcrypt
import pytest

from mfa_api.errors import ServiceUnavailable
from mfa_api.security import passwords
from mfa_api.services.flows import login
from tests.helpers import CLOCK, PASSWORD, totp

INVALID = {"success": False, "error": "Invalid credentials"}


def user_row(db, email="alice@example.com"):
    return db.fetch_one("SELECT * FROM users WHERE email = ?", (email,))


def test_login_emails_a_hashed_expiring_code_and_answers_like_mfa_php(legacy, db):
    legacy.enrolled()
    db.execute("UPDATE users SET trials = 3")
    before = int(CLOCK.now())
    response = legacy.post("login", {"email": " ALICE@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json == {
        "success": True,
        "message": "OTP generated",
        "data": {"email": "alice@example.com"},
    }
    code = legacy.last_code("alice@example.com")
    assert code not in response.get_data(as_text=True)
    row = user_row(db)
    assert len(row["otp"]) == 64 and code not in row["otp"]
    assert before + 300 <= row["otp_expires_at"] <= int(CLOCK.now()) + 300
    assert row["trials"] == 0


def test_a_new_login_replaces_the_earlier_code(legacy):
    secret = legacy.enrolled()
    first = legacy.login()
    second = legacy.login()
    if first != second:
        old = legacy.post(
            "verify",
            {"email": "alice@example.com", "email_otp": first, "auth_code": totp(secret, 1)},
        )
        assert old.status_code == 401
    new = legacy.post(
        "verify", {"email": "alice@example.com", "email_otp": second, "auth_code": totp(secret, 1)}
    )
    assert new.status_code == 200


def test_unknown_pending_and_wrong_password_get_the_same_401(legacy):
    legacy.enrolled()
    legacy.register(email="carol@example.com", phone="250788000003")
    answers = [
        legacy.post("login", {"email": "nobody@example.com", "password": PASSWORD}),
        legacy.post("login", {"email": "carol@example.com", "password": PASSWORD}),
        legacy.post("login", {"email": "alice@example.com", "password": "wrong-password"}),
    ]
    for response in answers:
        assert response.status_code == 401
        assert response.json == INVALID


def test_an_unknown_email_still_costs_a_bcrypt_check(legacy, monkeypatch):
    checked = []
    real = bcrypt.checkpw

    def spy(password, hashed):
        checked.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    legacy.post("login", {"email": "nobody@example.com", "password": PASSWORD})
    assert len(checked) == 1
    assert checked[0].startswith(b"$2b$04$")  # at the configured cost, like a real user's


def test_missing_fields_are_a_400_with_mfa_php_message(legacy):
    response = legacy.post("login", {"email": "alice@example.com"})
    assert response.status_code == 400
    assert response.json["error"] == "Email and password are required"


@pytest.fixture
def bcrypt_5(app_config):
    """New hashes with bcrypt at cost 5 (ask for it before `legacy`)."""
    app_config.update(PASSWORD_HASH="bcrypt", BCRYPT_ROUNDS=5)


def php_hash(password: str) -> str:
    """What PHP's password_hash() made (at cost 4 here, for speed)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)


def insert_php_user(db, password_hash: str) -> None:
    """A user as mfa-php left them: verified, with its password hash (old@example.com)."""
    db.execute(
        "INSERT INTO users (names, email, phone, password, is_verified, auth_code, otp, trials) "
        "VALUES ('Old', 'old@example.com', '250700000009', ?, 1, 'JBSWY3DPEHPK3PXP', '', 0)",
        (password_hash,),
    )


def test_a_php_hash_logs_in_and_is_rehashed_to_argon2id(db, legacy):
    insert_php_user(db, php_hash(PASSWORD))
    response = legacy.post("login", {"email": "old@example.com", "password": PASSWORD})
    assert response.status_code == 200
    new_hash = user_row(db, "old@example.com")["password"]
    assert new_hash.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert passwords.verify_password(PASSWORD, new_hash)
    assert (
        legacy.post("login", {"email": "old@example.com", "password": PASSWORD}).status_code == 200
    )
    assert user_row(db, "old@example.com")["password"] == new_hash  # current now: left alone


def test_with_password_hash_bcrypt_a_php_hash_is_rehashed_at_the_current_cost(bcrypt_5, db, legacy):
    insert_php_user(db, php_hash(PASSWORD))
    response = legacy.post("login", {"email": "old@example.com", "password": PASSWORD})
    assert response.status_code == 200
    new_hash = user_row(db, "old@example.com")["password"]
    assert new_hash.startswith("$2b$05$")
    assert passwords.verify_password(PASSWORD, new_hash)


def test_a_hash_at_the_current_cost_is_left_alone(legacy, db):
    legacy.enrolled()
    before = user_row(db)["password"]
    legacy.login()
    assert user_row(db)["password"] == before


def test_a_failing_mail_server_is_a_503_and_the_earlier_code_still_works(legacy, monkeypatch):
    secret = legacy.enrolled()
    code = legacy.login()

    def broken(*_args, **_kwargs):
        raise ServiceUnavailable("Could not send the verification email")

    monkeypatch.setattr(login, "send_code", broken)
    failed = legacy.post("login", {"email": "alice@example.com", "password": PASSWORD})
    assert failed.status_code == 503
    assert failed.json == {"success": False, "error": "Could not send the verification email"}
    verify = legacy.post(
        "verify", {"email": "alice@example.com", "email_otp": code, "auth_code": totp(secret, 1)}
    )
    assert verify.status_code == 200


def test_a_stored_address_no_mail_header_can_carry_is_a_503_not_a_blank_recipient(legacy, db):
    from mfa_api.breaker import Breaker
    from mfa_api.mailer import MailDeliveryError, SmtpMailer, SmtpSettings
    from mfa_api.services.notifications import code_email

    settings = SmtpSettings("127.0.0.1", 1, False, False, None, None, "mfa@x.example", 1.0)
    mailer = SmtpMailer(settings, Breaker("mail", 5))
    with pytest.raises(MailDeliveryError, match="control or separator"):
        mailer.send(code_email("old\u2029user@example.com", "123456", 300))
    assert not mailer.breaker.is_open()  # the message's fault, not the server's
