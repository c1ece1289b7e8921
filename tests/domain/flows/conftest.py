"""The world a domain test calls services in: the test app's state, a clock the test moves, users
made straight in the store, and what the calls mailed and recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from mfa_api.db import get_db
from mfa_api.errors import Locked, Unauthorized
from mfa_api.parts import senders
from mfa_api.security import crypto, otp, tokens
from mfa_api.services import sessions
from mfa_api.services.context import Client, Context
from mfa_api.services.defence import lockout
from mfa_api.services.flows import enrolment
from mfa_api.sms import TextMessage
from mfa_api.state import state
from mfa_api.store import devices as device_rows
from mfa_api.store import users
from mfa_api.store.attempts import SECOND_FACTOR
from mfa_api.store.users import User
from tests.helpers import CLOCK, PASSWORD, recorded_mail

CLIENT = Client(ip="192.0.2.7", user_agent="Domain test", request_id="req-domain")


@dataclass
class Person:
    """A user made for a test, and the TOTP secret their authenticator holds."""

    id: int
    email: str
    secret: str


class World:
    """Builds each call's Context at the test's time, and shows what the calls left behind."""

    def __init__(self, mailbox: list):
        self.now = int(CLOCK.now())
        self.mailbox = mailbox
        self.texts: list[TextMessage] = []  # what was texted, by the SMS gateway of ctx()

    def ctx(self, *, texting: bool = True) -> Context:
        """A fresh context (its own tally) at the world's time, as a request builds one; with
        an SMS gateway that keeps what it is sent in texts, unless texting is False."""
        made = state()
        mailer, _ = senders(made)
        sms = SimpleNamespace(send=self.texts.append) if texting else None
        return Context(made.settings, self.now, mailer, sms, CLIENT)

    def later(self, seconds: int) -> None:
        """Move the world's time forward."""
        self.now += seconds

    def code(self, person: Person) -> str:
        """A TOTP code of a step not used yet: the clock moves on one step first."""
        self.later(otp.TOTP_PERIOD)
        return otp.totp_code(person.secret, self.now)

    def person(self, email: str = "ada@example.com", phone: str = "250788000001") -> Person:
        """A verified user with 2FA on and PASSWORD, made as a finished sign-up makes one."""
        settings = state().settings
        secret = otp.new_totp_secret()
        user_id = users.create_verified(
            names="Ada",
            email=email,
            phone=phone,
            password_hash=settings.hasher.hash(PASSWORD),
            totp_secret=crypto.encrypt(settings.secret_cipher, secret),
            totp_step=self.now // otp.TOTP_PERIOD,
        )
        return Person(user_id, email, secret)

    def backup_codes(self, person: Person) -> list[str]:
        """A new set of backup codes for the person (step-up with a fresh TOTP)."""
        made = enrolment.regenerate_backup_codes(
            self.user(person), PASSWORD, self.code(person), self.ctx()
        )
        return made.codes

    def remember_device(self, person: Person) -> None:
        """A remembered device of the person's, for the next REMEMBER_DEVICE_DAYS."""
        ttl = self.ctx().settings.remember_device_seconds
        version = self.user(person).token_version
        device_rows.add(person.id, f"device-of-{person.id}", version, "a phone", self.now, ttl)

    def user(self, person: Person) -> User:
        """The person's row as it is now."""
        found = users.find_by_id(person.id)
        assert found is not None
        return found

    def events(self, user_id: int | None = None) -> list[tuple[str, dict | None]]:
        """The events recorded (of one user, or under none when None), oldest first."""
        where = "user_id IS NULL" if user_id is None else "user_id = ?"
        rows = get_db().fetch_all(
            f"SELECT event, detail FROM security_events WHERE {where} ORDER BY id",  # noqa: S608
            () if user_id is None else (user_id,),
        )
        return [(r["event"], r["detail"] and json.loads(r["detail"])) for r in rows]

    def holds(self, token: str) -> bool:
        """Whether an access token is taken now."""
        try:
            sessions.resolve(token, (tokens.ACCESS,), self.ctx())
        except Unauthorized:
            return False
        return True

    def lock(self, email: str) -> None:
        """As many wrong codes as LOCK_AFTER, and the lock that follows (its notice mailed)."""
        get_db().execute(
            "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, updated_at) "
            "VALUES (?, ?, ?, 0, ?)",
            (SECOND_FACTOR, email, self.ctx().settings.lock_after, self.now),
        )
        with pytest.raises(Locked):
            lockout.ensure_not_locked(self.ctx(), email)

    def mails_to(self, email: str) -> list:
        """The messages sent to email, oldest first."""
        return [m for m in self.mailbox if m.to == email]


@pytest.fixture
def world(app):
    """A World inside the test app's context (SQLite, and MariaDB when configured)."""
    with app.app_context(), recorded_mail(app) as mailbox:
        yield World(mailbox)


@pytest.fixture
def store_world(twofa_app):
    """A World whose short-lived keys are kept in SQL, and in Redis when configured."""
    with twofa_app.app_context(), recorded_mail(twofa_app) as mailbox:
        yield World(mailbox)
