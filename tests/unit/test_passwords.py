"""Password hashing: Argon2id, bcrypt (PHP's $2y$ too), re-hashing, and wrong passwords that
take the same time for every kind of account."""

import statistics
import threading
import time

import pytest

from mfa_api.security import passwords
from mfa_api.security.passwords import EqualTime, Hasher
from tests.helpers import together

PHP_HASH = "$2y$10$sEEMpN/LqTiwK3TL4u08Z.e0LqpNjnGmRqss.rnyjp6O6EGt7cj4e"  # password_hash()
CHEAP_ARGON2 = Hasher(argon2_time_cost=1, argon2_memory_kib=64)
CHEAP_BCRYPT = Hasher(scheme="bcrypt", bcrypt_rounds=4)


def test_new_hashes_are_argon2id_at_owasps_parameters_by_default():
    hashed = Hasher().hash("s3cret-pass")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password("s3cret-pass", hashed)
    assert not passwords.verify_password("s3cret-pasS", hashed)


def test_php_password_hash_verifies():
    assert passwords.verify_password("Password123", PHP_HASH)
    assert not passwords.verify_password("Password124", PHP_HASH)


def test_bcrypt_when_asked_for_at_its_cost():
    hashed = CHEAP_BCRYPT.hash("s3cret-pass")
    assert hashed.startswith("$2b$04$")
    assert passwords.verify_password("s3cret-pass", hashed)


def test_what_needs_rehashing():
    assert CHEAP_ARGON2.needs_rehash(PHP_HASH)  # bcrypt under Argon2id
    assert CHEAP_ARGON2.needs_rehash(Hasher().hash("x"))  # other Argon2 parameters
    assert not CHEAP_ARGON2.needs_rehash(CHEAP_ARGON2.hash("x"))
    assert CHEAP_ARGON2.needs_rehash("garbage") and CHEAP_ARGON2.needs_rehash("$argon2id$bad")
    assert Hasher(scheme="bcrypt", bcrypt_rounds=12).needs_rehash(PHP_HASH)  # another cost
    assert not Hasher(scheme="bcrypt", bcrypt_rounds=10).needs_rehash(PHP_HASH)
    assert Hasher(scheme="bcrypt", bcrypt_rounds=9).needs_rehash(PHP_HASH)  # a higher one too
    assert CHEAP_BCRYPT.needs_rehash(CHEAP_ARGON2.hash("x"))  # back to bcrypt for a PHP reader


def test_malformed_hash_or_overlong_password_is_a_no_not_a_crash():
    assert not passwords.verify_password("x", "not-a-hash")
    assert not passwords.verify_password("x", "$argon2id$v=19$m=1,t=1,p=1$bad")
    assert not passwords.verify_password("x" * 73, PHP_HASH)


def test_the_dummy_is_of_the_configured_scheme_and_cost():
    assert CHEAP_ARGON2.dummy.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert CHEAP_BCRYPT.dummy.startswith("$2b$04$")


def timed(check: EqualTime, password: str, stored: str | None) -> tuple[float, bool]:
    started = time.perf_counter()
    ok = check.verify(password, stored)
    return time.perf_counter() - started, ok


def test_wrong_passwords_take_as_long_as_the_slowest_kind_for_every_account():
    check = EqualTime(CHEAP_ARGON2, legacy_bcrypt_cost=8)  # a legacy check: ~20x an Argon2 one
    legacy = passwords.bcrypt.hashpw(b"right-password", passwords.bcrypt.gensalt(8)).decode()
    current = CHEAP_ARGON2.hash("right-password")
    timed(check, "warm-up", None)
    stored = {"unknown": None, "current": current, "legacy": legacy}
    times = {name: [] for name in stored}
    for _ in range(5):  # interleaved, medians: the machine's noise is not under test
        for name, hashed in stored.items():
            times[name].append(timed(check, "wrong-password", hashed)[0])
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = check.floor()
    assert all(m >= floor * 0.8 for m in medians.values()), (floor, medians)
    assert min(medians.values()) / max(medians.values()) > 0.7, medians
    assert timed(check, "right-password", current)[1] is True  # no padding for the right one
    assert timed(check, "right-password", current)[0] < floor / 2


def test_without_a_legacy_cost_the_floor_is_the_configured_scheme():
    check = EqualTime(CHEAP_ARGON2, legacy_bcrypt_cost=None)
    assert not check.verify("wrong", None)
    assert check.floor() < 0.05


@pytest.mark.parametrize("stored", ["", "plain-text-from-somewhere", "$2y$99$x"])
def test_a_hash_it_cannot_read_is_a_wrong_password(stored):
    assert EqualTime(CHEAP_ARGON2, None).verify("x", stored or None) is False


def test_the_shipped_common_passwords_are_zxcvbns_list():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # a dev requirement only

    expected = {w.lower() for w in FREQUENCY_LISTS["passwords"] if len(w) >= 4}
    lines = passwords.COMMON_PASSWORDS.read_text().splitlines()
    assert {line for line in lines if line and not line.startswith("#")} == expected
    assert all(passwords.is_common(word) for word in expected)
    assert len(passwords._common()) == len(expected)  # no two digests alike


def test_common_passwords_are_known_however_typed():
    for typed in (
        "Password123",
        "QWERTYUIOP",
        " password ",
        "ｐａｓｓｗｏｒｄ",
        "passwordpassword",
    ):
        assert passwords.is_common(typed), typed
    assert passwords.is_common("aaaaaaaaaa")  # one character, repeated
    assert not passwords.is_common("Quiet-Orchid-42")


@pytest.mark.parametrize(
    "dressed_up",
    [
        "Passw0rd!",
        "Summer2024!",
        "Welcome1!",
        "P@ssw0rd2024",
        "$ummer2024",
        "!Summer2024",
        "W1nter2025",
        "Autumn2023!",  # a season or month, listed or not
        "May2024!!",
        "Dragon#1999",
        "MONKEY123!!",
    ],
)
def test_a_common_word_dressed_up_is_still_common(dressed_up):
    assert passwords.is_common(dressed_up)


@pytest.mark.parametrize(
    "good",
    [
        "Quiet-Orchid-42",
        "correct horse battery staple",
        "Zq8#rT2!wLp9",
        "Lantern&Fjord77",
        "mauve kettle drifts",
        "ab93847561",  # a core under 4 letters is not a word
    ],
)
def test_passwords_not_built_on_a_common_word_are_not_common(good):
    assert not passwords.is_common(good)


@pytest.mark.parametrize("at_once", [1, 2])
def test_a_process_hashes_as_many_passwords_at_once_as_allowed(monkeypatch, at_once):
    running, most = [0], [0]
    lock = threading.Lock()
    real = passwords.argon2id.verify

    def counted(password, decoded):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return real(password, decoded)

    monkeypatch.setattr(passwords.argon2id, "verify", counted)
    passwords.allow_concurrent_hashes(at_once)
    try:
        stored = CHEAP_ARGON2.hash("x")
        together(lambda: passwords.verify_password("x", stored), 4)
    finally:
        passwords.allow_concurrent_hashes(1)
    assert most[0] == at_once
