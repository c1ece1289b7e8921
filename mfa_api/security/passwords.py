"""Password hashing: Argon2id for new hashes (OWASP's first choice), bcrypt still verified
(PHP's $2y$, mfa-php's) and kept where a PHP must still read the hashes; wrong passwords that
take the same time whatever the account; and the common passwords a new one may not be."""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
import threading
import time
import unicodedata
from array import array
from dataclasses import dataclass
from pathlib import Path

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from . import argon2id

_hashing, _hashing_at_once = threading.BoundedSemaphore(1), 1  # see allow_concurrent_hashes
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt 5: refuses) anything longer: mfa-php's limit
SCHEMES = ("argon2id", "bcrypt")


@dataclass(frozen=True)
class Hasher:
    """How new password hashes are made (scheme and cost); verifies every kind it knows."""

    scheme: str = "argon2id"
    bcrypt_rounds: int = 12
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456  # 19 MiB, OWASP's minimum with t=2, p=1
    argon2_parallelism: int = 1

    @functools.cached_property
    def _argon2(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.argon2_time_cost,
            memory_cost=self.argon2_memory_kib,
            parallelism=self.argon2_parallelism,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        """A new hash of password in the configured scheme and cost."""
        if self.scheme == "bcrypt":
            with _hashing:
                return bcrypt.hashpw(password.encode(), bcrypt.gensalt(self.bcrypt_rounds)).decode()
        params = argon2id.Params(
            self.argon2_memory_kib, self.argon2_time_cost, self.argon2_parallelism
        )
        with _hashing:
            return argon2id.hash_password(password.encode(), params)

    def needs_rehash(self, stored: str) -> bool:
        """True when stored is not of the configured scheme and cost (bcrypt under Argon2id,
        another cost, a lower or a higher one)."""
        if self.scheme == "bcrypt":
            return not stored.startswith("$2") or bcrypt_cost(stored) != self.bcrypt_rounds
        if not stored.startswith("$argon2id$"):
            return True
        try:
            return self._argon2.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    @functools.cached_property
    def dummy(self) -> str:
        """A hash of the configured scheme and cost to check against when there is no user."""
        return self.hash("not-a-real-password")


def allow_concurrent_hashes(count: int) -> None:
    """How many password hashes or checks this process runs at once (PASSWORD_HASH_CONCURRENCY).

    The others wait their turn, without using CPU, while the process's other threads answer
    cheap requests. Under gunicorn's several worker processes one each keeps every core busy,
    and each thread no longer keeps its own Argon2id block of 19 MiB resident.
    """
    global _hashing, _hashing_at_once
    if count != _hashing_at_once:
        _hashing, _hashing_at_once = threading.BoundedSemaphore(count), count


def verify_password(password: str, stored: str) -> bool:
    """True when password matches stored (Argon2 or bcrypt); a malformed hash is a no."""
    try:
        if stored.startswith("$argon2"):
            decoded = argon2id.decode(stored)
            with _hashing:
                if decoded is not None:
                    return argon2id.verify(password.encode(), decoded)
                return _ARGON2_VERIFIER.verify(stored, password)  # another variant or version
        with _hashing:
            return bcrypt.checkpw(password.encode(), stored.encode())
    except (ValueError, VerificationError, InvalidHashError):
        return False


_ARGON2_VERIFIER = PasswordHasher()  # verify() reads the parameters from the hash itself


def bcrypt_cost(stored: str) -> int | None:
    """The bcrypt cost a hash was made at, or None when it is not a bcrypt hash."""
    if not stored.startswith("$2"):
        return None
    try:
        return int(stored.split("$")[2])
    except (IndexError, ValueError):
        return None


def kind_of(stored: str) -> str:
    """What a hash costs to check, as a name: its scheme and parameters."""
    if stored.startswith("$argon2"):
        return stored.rsplit("$", 2)[0]  # $argon2id$v=19$m=19456,t=2,p=1
    cost = bcrypt_cost(stored)
    return f"bcrypt:{cost}" if cost is not None else "other"


class EqualTime:
    """Wrong passwords that all take as long as the slowest kind of hash checked: an unknown
    email (checked against the configured dummy), a current hash, and a legacy one (mfa-php's
    bcrypt at cost 10, slower than Argon2id's defaults) answer in the same time, so timing tells
    nobody which emails have an account or came from mfa-php.

    The time is made up by sleeping, not by hashing more: the difference costs no CPU. Each kind's
    check time is a moving average measured in this process; the configured scheme and the
    legacy bcrypt cost are measured before the first answer.
    """

    SMOOTHING = 0.2

    def __init__(self, hasher: Hasher, legacy_bcrypt_cost: int | None):
        self.hasher = hasher
        self.legacy_bcrypt_cost = legacy_bcrypt_cost
        self._seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def verify(self, password: str, stored: str | None) -> bool:
        """Check password against stored (None: no such user, the dummy); a wrong one returns
        only once the slowest kind's time has passed."""
        self._calibrate()
        stored = stored or self.hasher.dummy
        started = time.perf_counter()
        if verify_password(password, stored):
            return True
        self._observe(kind_of(stored), time.perf_counter() - started)
        remaining = self.floor() - (time.perf_counter() - started)
        if remaining > 0:
            time.sleep(remaining)
        return False

    def floor(self) -> float:
        """Seconds a wrong password takes: the slowest kind's average."""
        with self._lock:
            return max(self._seconds.values(), default=0.0)

    def _observe(self, kind: str, seconds: float) -> None:
        with self._lock:
            before = self._seconds.get(kind)
            self._seconds[kind] = (
                seconds if before is None else before + self.SMOOTHING * (seconds - before)
            )

    def _calibrate(self) -> None:
        if self._seconds:
            return
        samples = [self.hasher.dummy]
        if self.legacy_bcrypt_cost:
            samples.append(_bcrypt_dummy(self.legacy_bcrypt_cost))
        for stored in samples:
            started = time.perf_counter()
            verify_password("calibrating", stored)
            self._observe(kind_of(stored), time.perf_counter() - started)


@functools.lru_cache(maxsize=4)
def _bcrypt_dummy(cost: int) -> str:
    return bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(cost)).decode()


COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@functools.cache
def _common() -> array:
    """The common passwords as sorted 64-bit digests: ~240 KB in each worker, where a set of the
    30,000 strings took ~3 MB (a chance collision, ~1 in 10^14, only refuses a password)."""
    lines = COMMON_PASSWORDS.read_text().splitlines()
    return array(
        "Q", sorted({_digest(line) for line in lines if line and not line.startswith("#")})
    )


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def is_listed(text: str) -> bool:
    """True when text, as given, is on the shipped list of common passwords."""
    digests, wanted = _common(), _digest(text)
    at = bisect.bisect_left(digests, wanted)
    return at < len(digests) and digests[at] == wanted


MIN_WORD = 4  # shorter cores (ab12345678) are mostly what surrounds them
SEASONS_AND_MONTHS = frozenset(
    (  # noqa: SIM905 - a list of words reads best as words
        "spring summer autumn fall winter january february march april may june july august "
        "september october november december"
    ).split()
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_ONE_AS_L = str.maketrans({"1": "l"})
_TRAILING = re.compile(r"[\W\d_]+$")
_LEADING = re.compile(r"^[\W\d_]+")


def is_common(password: str) -> bool:
    """True when password, however typed (any case, spaces around it, full-width letters), is a
    common one, a common one repeated, one character repeated, or a common word, season or
    month dressed up (leetspeak, digits or symbols around it: Passw0rd!, Summer2024!)."""
    folded = unicodedata.normalize("NFKC", password).strip().lower()
    unit = _repeated_unit(folded)
    if is_listed(folded) or is_listed(unit) or len(unit) == 1:
        return True
    return any(
        (len(word) >= MIN_WORD and is_listed(word)) or word in SEASONS_AND_MONTHS
        for word in _undressed(folded)
    )


def _undressed(folded: str) -> set[str]:
    """The words folded may be built on: itself, without the digits and symbols after it (and
    also before it), each with leetspeak undone (1 read as i, and as l): $ummer2024 is summer."""
    trimmed = _TRAILING.sub("", folded)
    found = set()
    for text in (folded, trimmed, _LEADING.sub("", trimmed)):
        found |= {text.translate(_LEET), text.translate(_ONE_AS_L).translate(_LEET)}
    return found


def _repeated_unit(text: str) -> str:
    """The shortest piece text is a repetition of (text itself when it is none)."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def is_blank(password: str) -> bool:
    """True when password has nothing visible: only spaces, control or format characters."""
    return all(unicodedata.category(c)[0] in "ZC" for c in password)
