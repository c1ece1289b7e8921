"""What tests share: the clock, TOTP codes, clients of both faces, an app on a fresh schema."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

import pyotp
from cryptography.fernet import Fernet, MultiFernet

from mfa_api import create_app
from mfa_api.db import connect
from mfa_api.migrate import upgrade
from mfa_api.security import crypto
from mfa_api.state import fill, state_of
from tests.authenticator import SoftAuthenticator

PREFIX = "/mfa-php/api"
PASSWORD = "Quiet-Orchid-42"  # not a common password (those are refused)
TEST_KEY = Fernet.generate_key().decode()  # the tests' ENCRYPTION_KEYS, as production requires


def unseal(stored: str) -> str:
    """A secret as the tests' key ring reads it back from the database."""
    return crypto.decrypt(MultiFernet([Fernet(TEST_KEY)]), stored)


class Clock:
    """The time the app and the TOTP helper both read: stopped at the test's start, moved only
    by the test (so that no answer depends on how fast the machine is)."""

    def __init__(self):
        self.at = time.time()

    def now(self) -> float:
        """The time the app sees."""
        return self.at

    def advance(self, seconds: float) -> None:
        """Move time forward without sleeping."""
        self.at += seconds

    def restart(self) -> None:
        """Stop the clock at the real time."""
        self.at = time.time()


CLOCK = Clock()


def totp(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of secret now, or a step or more ahead (still inside the ±1 window)."""
    return pyotp.TOTP(secret).at(CLOCK.now() + 30 * steps_ahead)


def wrong_totp(secret: str) -> str:
    """A 6-digit code that no step within the ±1 window of now gives."""
    near = {totp(secret, ahead) for ahead in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def from_ip(ip: str) -> dict:
    """Request options that make a test client's request come from ip."""
    return {"environ_base": {"REMOTE_ADDR": ip}}


def fresh_totp(secret: str) -> str:
    """Let a TOTP step pass (each is accepted once per user), without sleeping; its code."""
    CLOCK.advance(30)
    return totp(secret)


def together(send: Callable[[], object], requests: int) -> list:
    """Call send() from as many threads, released at the same instant; what each returned."""
    start = threading.Barrier(requests)
    answers = []

    def one():
        start.wait()
        answers.append(send())

    threads = [threading.Thread(target=one) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == requests, "a request raised instead of answering"
    return answers


class RecordingMailer:
    """Keeps every Email the app sends for the tests that listen (recorded_mail) to read."""

    def __init__(self):
        self.listeners: list[list] = []

    def send(self, email) -> None:
        """Hand the message to every listener."""
        for messages in self.listeners:
            messages.append(email)


def make_app(config: dict, *, record_mail: bool = True):
    """An app on config's database, schema applied, reading the tests' clock (and, unless
    record_mail is False, recording its mail instead of sending it)."""
    app = create_app(config)
    fill(app, clock=CLOCK.now)
    if record_mail:
        fill(app, mailer=RecordingMailer())
    db = connect(app.config["DATABASE_URL"])
    try:
        upgrade(db, config=app.config)
    finally:
        db.close()
    return app


@contextmanager
def recorded_mail(app):
    """A list that collects every message (an Email) app sends while the block runs."""
    messages: list = []
    mailer = state_of(app).mailer
    mailer.listeners.append(messages)
    try:
        yield messages
    finally:
        mailer.listeners.remove(messages)


class LegacyClient:
    """Drives the mfa-php face the way its clients do."""

    def __init__(self, client, mailbox):
        self.client = client
        self.mailbox = mailbox

    def post(self, endpoint: str, body=None, **kwargs):
        """POST a JSON body to an endpoint of the face."""
        return self.client.post(f"{PREFIX}/{endpoint}", json=body, **kwargs)

    def last_code(self, email: str) -> str:
        """The code in the latest mail to email."""
        message = [m for m in self.mailbox if m.to == email][-1]
        return re.search(r"\b(\d{6})\b", message.text).group(1)

    def register(self, email="alice@example.com", phone="250788000001", password=PASSWORD):
        """Register; the response's data (secret included)."""
        body = {"names": "Alice", "email": email, "phone": phone, "password": password}
        response = self.post("register", body)
        assert response.status_code == 200, response.json
        return response.json["data"]

    def enrolled(self, email="alice@example.com", phone="250788000001", password=PASSWORD):
        """Register and verify; the TOTP secret."""
        secret = self.register(email, phone, password)["secret"]
        response = self.post(
            "verify",
            {"email": email, "email_otp": self.last_code(email), "auth_code": totp(secret)},
        )
        assert response.status_code == 200, response.json
        return secret

    def login(self, email="alice@example.com", password=PASSWORD):
        """Log in; the emailed code."""
        response = self.post("login", {"email": email, "password": password})
        assert response.status_code == 200, response.json
        return self.last_code(email)


class TwoFaClient:
    """Drives the 2FA face; users are made through the mfa-php face, as real ones are."""

    def __init__(self, app, mailbox):
        self.app = app
        self.client = app.test_client()
        self.mailbox = mailbox
        self.legacy = LegacyClient(self.client, mailbox)

    def call(self, method: str, path: str, token: str | None = None, body=None, **kwargs):
        """A request to /api/auth/<path>, with a bearer token if given."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(
            "/api/auth/" + path, method=method, json=body, headers=headers, **kwargs
        )

    def post(self, path: str, token: str | None = None, body=None, **kwargs):
        """POST to /api/auth/<path>."""
        return self.call("POST", path, token, body, **kwargs)

    def user(self, email="alice@example.com", phone="250788000001"):
        """A registered, verified user with 2FA on; their TOTP secret."""
        return self.legacy.enrolled(email=email, phone=phone)

    def challenge(self, email="alice@example.com", password=PASSWORD) -> str:
        """Log in on the 2FA face; the challenge token."""
        response = self.post("login", body={"email": email, "password": password})
        assert response.status_code == 200 and response.json["requires2fa"], response.json
        return response.json["challengeToken"]

    def access(self, secret: str, email="alice@example.com") -> str:
        """A full login with a fresh TOTP step; the access token."""
        response = self.post("2fa/verify", self.challenge(email), {"otp": fresh_totp(secret)})
        assert response.status_code == 200, response.json
        return response.json["accessToken"]

    def step_up(self, secret: str | None, password=PASSWORD) -> dict:
        """A step-up body: the password and, for a user with 2FA on, a fresh TOTP."""
        return {"password": password, **({"otp": fresh_totp(secret)} if secret else {})}

    def without_2fa(self, secret: str, email="alice@example.com") -> str:
        """Turn the user's 2FA off (step-up); the fresh access token that hands back."""
        response = self.post("2fa/disable", self.access(secret, email), self.step_up(secret))
        assert response.status_code == 200, response.json
        return response.json["accessToken"]

    def verify_phone(self, access: str, secret: str, gateway, phone="250788000001") -> None:
        """Prove a phone by the texted code (step-up first), so that codes may go to it."""
        started = self.post("2fa/phone", access, {"phone": phone, **self.step_up(secret)})
        assert started.status_code == 200, started.json
        code = gateway.last_code("+" + phone)
        verified = self.post("2fa/phone/verify", access, {"code": code})
        assert verified.status_code == 200, verified.json

    def backup_codes(self, access: str, secret: str) -> tuple[list[str], str]:
        """New backup codes (step-up with a fresh TOTP); (the codes, the fresh access token)."""
        response = self.post("2fa/backup-codes", access, self.step_up(secret))
        assert response.status_code == 200, response.json
        return response.json["backupCodes"], response.json["accessToken"]

    def last_code(self, email="alice@example.com") -> str:
        """The code in the latest mail to email."""
        return self.legacy.last_code(email)


def add_passkey(twofa, secret, name="YubiKey 5C", authenticator=None, access=None):
    """Add a passkey (step-up, options, the authenticator's answer); (authenticator, answer)."""
    authenticator = authenticator or SoftAuthenticator()
    access = access or twofa.access(secret)
    asked = twofa.post("passkeys/options", access, twofa.step_up(secret))
    assert asked.status_code == 200, asked.json
    created = authenticator.create(asked.json["publicKey"])
    return authenticator, twofa.post("passkeys", access, {"credential": created, "name": name})


def passkey_login(twofa, authenticator, email="alice@example.com", **extra):
    """A login answered with the authenticator; the answer to /2fa/passkey."""
    challenge = twofa.challenge(email)
    asked = twofa.post("2fa/passkey/options", challenge)
    assert asked.status_code == 200, asked.json
    answer = {"credential": authenticator.get(asked.json["publicKey"]), **extra}
    return twofa.post("2fa/passkey", challenge, answer)
