"""What users do to the two app hosts while nodes die, and what must never happen: a code,
TOTP step, backup code or passkey assertion accepted twice, a token accepted after its logout
answered, more wrong guesses evaluated than LOCK_AFTER, a sign-up answered 200 and lost."""

from __future__ import annotations

import itertools
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pyotp

from tests.authenticator import SoftAuthenticator
from tests.e2e.deps import call

PASSWORD = "cluster-long-password"
LEGACY = "/mfa-php/api"
AUTH = "/api/auth"
# A request's answer that is not a failure of the service: 401 wrong or spent, 423 locked,
# 429 limited, 400 a challenge already answered.
EXPECTED = {200, 400, 401, 409, 423, 429}
PACE = 0.5  # seconds a race or a guess waits before the next: spread over the whole run


@dataclass
class Answer:
    """One request: its journey, host, when it started (monotonic), how long, what came back."""

    journey: str
    host: int
    started: float
    seconds: float
    status: int
    json: bool
    message: str = ""  # a failure's, as the service worded it


@dataclass
class User:
    """A verified account with 2FA on, and what the journeys may spend of it."""

    email: str
    secret: str
    backup_codes: list[str] = field(default_factory=list)
    authenticator: SoftAuthenticator | None = None
    device_token: str | None = None
    steps_raced: set[int] = field(default_factory=set)


class Journeys:
    """Each journey sends its requests to both hosts; answers and broken promises kept."""

    def __init__(self, hosts: list[str], smtp):
        self.hosts = hosts
        self.smtp = smtp
        self.answers: list[Answer] = []
        self.broken: list[str] = []  # a promise the cluster did not keep, in words
        self.done: list[tuple[str, float]] = []  # (journey, when it finished) for each journey
        self.signed_up: list[str] = []  # emails whose verify answered 200
        self.accepted: Counter = Counter()  # (kind, what) -> times accepted
        self.evaluated: Counter = Counter()  # victim email -> wrong guesses answered 401
        self.proofs: list[tuple[str, float]] = []  # (kind, when its request started): a race
        # won or a guess evaluated, to show each happened around every kill
        self.locked: set[str] = set()  # victims whose account locked
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    # -- requests --------------------------------------------------------------------------

    def send(self, journey: str, host: int, method: str, path: str, body=None, token=None):
        """One request to one host, recorded; (status, body)."""
        started = time.monotonic()
        try:
            status, is_json, answer = call(self.hosts[host], method, path, body, token)
        except OSError:  # a connection refused or reset: no answer at all
            status, is_json, answer = 0, False, {}
        said = "" if status == 200 else str(answer.get("message") or answer.get("error") or "")
        self.answers.append(
            Answer(journey, host, started, time.monotonic() - started, status, is_json, said)
        )
        return status, answer

    def at_once(self, journey: str, requests: list[tuple]) -> list[tuple[int, dict]]:
        """Send each (host, method, path, body, token) from its own thread, released together."""
        start = threading.Barrier(len(requests))
        results: list = [None] * len(requests)

        def one(index: int, request: tuple) -> None:
            start.wait(10)
            results[index] = self.send(journey, *request)

        threads = [threading.Thread(target=one, args=item) for item in enumerate(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        return results

    def finished(self, journey: str) -> None:
        """Count one journey done (for journeys a second)."""
        self.done.append((journey, time.monotonic()))

    def promise_broken(self, what: str) -> None:
        """Record a promise the cluster broke."""
        with self._lock:
            self.broken.append(what)

    def accept(self, kind: str, what, started: float) -> None:
        """Record that a single-use thing was accepted; twice is a broken promise."""
        with self._lock:
            self.proofs.append((kind, started))
            self.accepted[kind, what] += 1
            if self.accepted[kind, what] == 2:
                self.broken.append(f"{kind} accepted twice: {what}")

    # -- setting users up ------------------------------------------------------------------

    def number(self) -> int:
        """A number no other user or request of this run has."""
        return next(self._numbers)

    def sign_up(self, journey: str = "sign-up") -> User | None:
        """Register on one host and verify on the other (mfa-php's face); the user, or None
        when a request failed (the failure recorded)."""
        n = self.number()
        email, here, there = f"user{n}@cluster.example", n % 2, 1 - n % 2
        body = {"names": "Cluster", "email": email, "phone": f"2507{n:08d}", "password": PASSWORD}
        status, answer = self.send(journey, here, "POST", f"{LEGACY}/register", body)
        if status != 200:
            return None
        secret = answer["data"]["secret"]
        code = self.smtp.last_code(email)
        verify = {"email": email, "email_otp": code, "auth_code": _totp(secret, -1)}
        status, _ = self.send(journey, there, "POST", f"{LEGACY}/verify", verify)
        if status != 200:
            return None
        with self._lock:
            self.signed_up.append(email)
        return User(email, secret, steps_raced={_step() - 1})

    def equip(self, user: User) -> bool:
        """Give a user backup codes, a passkey that keeps no counter and a remembered device
        (its TOTP steps 0 and +1, then a backup code for the passkey's step-up)."""
        status, answer = self.send("setup", 0, "POST", f"{AUTH}/login", self._login(user))
        challenge = answer.get("challengeToken")
        otp = {"otp": _totp(user.secret, 0)}
        status, answer = self.send("setup", 1, "POST", f"{AUTH}/2fa/verify", otp, challenge)
        if status != 200:
            return False
        step_up = {"password": PASSWORD, "otp": _totp(user.secret, 1)}
        path = f"{AUTH}/2fa/backup-codes"
        status, answer = self.send("setup", 0, "POST", path, step_up, answer["accessToken"])
        if status != 200:
            return False
        user.steps_raced |= {_step(), _step() + 1}
        codes, access = answer["backupCodes"], answer["accessToken"]
        step_up = {"password": PASSWORD, "otp": codes[0]}
        path = f"{AUTH}/passkeys/options"
        status, asked = self.send("setup", 1, "POST", path, step_up, access)
        if status != 200:
            return False
        user.authenticator = SoftAuthenticator(counts=False)
        created = {"credential": user.authenticator.create(asked["publicKey"]), "name": "key"}
        status, _ = self.send("setup", 0, "POST", f"{AUTH}/passkeys", created, access)
        if status != 200:
            return False
        user.backup_codes = codes[1:]
        answer = self.passkey_login(user, remember=True)
        user.device_token = answer.get("deviceToken")
        return user.device_token is not None

    def passkey_login(self, user: User, remember: bool = False) -> dict:
        """A login answered with the user's passkey on host 0; the last answer."""
        _, answer = self.send("setup", 0, "POST", f"{AUTH}/login", self._login(user))
        challenge = answer.get("challengeToken")
        _, asked = self.send("setup", 0, "POST", f"{AUTH}/2fa/passkey/options", None, challenge)
        body = {"credential": user.authenticator.get(asked["publicKey"]), "remember": remember}
        return self.send("setup", 1, "POST", f"{AUTH}/2fa/passkey", body, challenge)[1]

    # -- the journeys ----------------------------------------------------------------------

    def signing_up(self) -> None:
        """Sign-up on one host, verify on the other."""
        self.sign_up()
        self.finished("sign-up")

    def same_totp_on_both(self, users: list[User]) -> None:
        """One user logs in on both hosts and sends the same TOTP code to both at once."""
        step = _step()
        fresh = [user for user in users if step not in user.steps_raced]
        if not fresh:
            time.sleep(0.2)
            return
        user = random.choice(fresh)
        user.steps_raced.add(step)
        challenges = [self._challenge("totp", user, host) for host in (0, 1)]
        if None in challenges:
            return
        code = pyotp.TOTP(user.secret).at(step * 30)
        requests = [
            (host, "POST", f"{AUTH}/2fa/verify", {"otp": code}, challenges[host]) for host in (0, 1)
        ]
        started = time.monotonic()
        for status, _ in self.at_once("totp", requests):
            if status == 200:
                self.accept("TOTP step", (user.email, step), started)
        self.finished("totp")
        time.sleep(PACE)

    def same_backup_code_on_both(self, users: list[User]) -> None:
        """One backup code sent to both hosts at once, each with its own login."""
        holders = [user for user in users if user.backup_codes]
        if not holders:
            time.sleep(0.2)
            return
        user = random.choice(holders)
        code = user.backup_codes.pop()
        challenges = [self._challenge("backup", user, host) for host in (0, 1)]
        if None in challenges:
            return
        body = {"backup_code": code}
        path = f"{AUTH}/2fa/recover"
        requests = [(host, "POST", path, body, challenges[host]) for host in (0, 1)]
        started = time.monotonic()
        for status, _ in self.at_once("backup", requests):
            if status == 200:
                self.accept("backup code", code, started)
        self.finished("backup")
        time.sleep(PACE)

    def same_assertion_on_both(self, users: list[User]) -> None:
        """One passkey assertion for one challenge posted to both hosts at once."""
        user = random.choice(users)
        host = random.randrange(2)
        challenge = self._challenge("passkey", user, host)
        if challenge is None:
            return
        path = f"{AUTH}/2fa/passkey/options"
        status, asked = self.send("passkey", host, "POST", path, None, challenge)
        if status != 200:
            return
        assertion = user.authenticator.get(asked["publicKey"])
        body = {"credential": assertion}
        requests = [(h, "POST", f"{AUTH}/2fa/passkey", body, challenge) for h in (0, 1)]
        started = time.monotonic()
        for status, _ in self.at_once("passkey", requests):
            if status == 200:
                self.accept("passkey assertion", asked["publicKey"]["challenge"], started)
        self.finished("passkey")

    def logout_then_elsewhere(self, users: list[User]) -> None:
        """Log in (a remembered device), log out on one host, use the token on the other."""
        user = random.choice(users)
        here = random.randrange(2)
        body = {**self._login(user), "deviceToken": user.device_token}
        status, answer = self.send("logout", here, "POST", f"{AUTH}/login", body)
        if status != 200 or answer.get("requires2fa"):
            return
        token = answer["accessToken"]
        status, _ = self.send("logout", here, "POST", f"{AUTH}/logout", None, token)
        if status != 200:
            return
        status, _ = self.send("logout", 1 - here, "GET", f"{AUTH}/me", None, token)
        if status == 200:
            self.promise_broken(f"a token worked on host {1 - here} after its logout answered")
        self.finished("logout")

    def guessing(self, victims: list[User]) -> None:
        """Wrong TOTP codes for one victim, spread over both hosts, paced so that guessing goes
        on through every kill, until each account locks."""
        free = [victim for victim in victims if victim.email not in self.locked]
        if not free:
            time.sleep(0.5)
            return
        victim = random.choice(free)
        status, answer = self.send("guess", random.randrange(2), "POST", f"{AUTH}/login",
                                   self._login(victim))  # fmt: skip
        if status == 423:
            self.locked.add(victim.email)
        challenge = answer.get("challengeToken") if status == 200 else None
        for _ in range(5 if challenge else 0):
            started = time.monotonic()
            body = {"otp": _wrong_code(victim.secret)}
            path = f"{AUTH}/2fa/verify"
            status, answer = self.send("guess", random.randrange(2), "POST", path, body, challenge)
            if status == 401 and answer.get("message") == "Invalid code":
                with self._lock:
                    self.evaluated[victim.email] += 1
                    self.proofs.append(("wrong guess", started))
            if status == 423:
                self.locked.add(victim.email)
            if status != 401:
                break
            time.sleep(PACE / 2)
        self.finished("guess")

    # -- helpers ---------------------------------------------------------------------------

    def _login(self, user: User) -> dict:
        return {"email": user.email, "password": PASSWORD}

    def _challenge(self, journey: str, user: User, host: int) -> str | None:
        status, answer = self.send(journey, host, "POST", f"{AUTH}/login", self._login(user))
        return answer.get("challengeToken") if status == 200 else None


def _step() -> int:
    return int(time.time() // 30)


def _totp(secret: str, steps_ahead: int) -> str:
    return pyotp.TOTP(secret).at((_step() + steps_ahead) * 30)


def _wrong_code(secret: str) -> str:
    valid = {_totp(secret, ahead) for ahead in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of values fall (0 for none)."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def by_journey(answers: list[Answer]) -> dict[str, list[Answer]]:
    """Answers grouped by journey."""
    groups = defaultdict(list)
    for answer in answers:
        groups[answer.journey].append(answer)
    return groups
