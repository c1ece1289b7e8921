"""bcrypt hashing, PHP compatibility and re-hashing."""

from mfa_api.security import passwords

PHP_HASH = "$2y$10$sEEMpN/LqTiwK3TL4u08Z.e0LqpNjnGmRqss.rnyjp6O6EGt7cj4e"  # password_hash()


def test_php_password_hash_verifies():
    assert passwords.verify_password("Password123", PHP_HASH)
    assert not passwords.verify_password("Password124", PHP_HASH)


def test_hash_round_trip_at_the_given_cost():
    hashed = passwords.hash_password("s3cret-pass", 4)
    assert hashed.startswith("$2b$04$")
    assert passwords.verify_password("s3cret-pass", hashed)


def test_weaker_hashes_need_rehash():
    assert passwords.needs_rehash(PHP_HASH, 12)
    assert not passwords.needs_rehash(PHP_HASH, 10)
    assert passwords.needs_rehash("garbage", 4)


def test_malformed_hash_or_overlong_password_is_a_no_not_a_crash():
    assert not passwords.verify_password("x", "not-a-hash")
    assert not passwords.verify_password("x" * 73, PHP_HASH)


def test_dummy_hash_is_made_at_the_configured_cost():
    assert passwords.dummy_hash(5).startswith("$2b$05$")


def checks_made(monkeypatch, password, stored, rounds):
    """The costs of every bcrypt check verify_in_equal_time makes, and its answer."""
    costs = []
    real = passwords.bcrypt.checkpw

    def spy(given, hashed):
        costs.append(passwords.cost_of(hashed.decode()))
        return real(given, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", spy)
    return costs, passwords.verify_in_equal_time(password, stored, rounds)


def test_a_wrong_password_on_a_cheaper_hash_costs_one_check_at_the_configured_cost(monkeypatch):
    cheap = passwords.hash_password("right-password", 4)
    costs, ok = checks_made(monkeypatch, "wrong-password", cheap, 6)
    assert not ok
    assert sum(2**c for c in costs) == 2**6  # 4 checks at cost 4 = 1 at cost 6


def test_a_right_password_or_a_current_hash_gets_no_padding(monkeypatch):
    current = passwords.hash_password("right-password", 5)
    assert checks_made(monkeypatch, "wrong-password", current, 5)[0] == [5]
    cheap = passwords.hash_password("right-password", 4)
    assert checks_made(monkeypatch, "right-password", cheap, 5) == ([4], True)


def test_a_hash_that_is_not_bcrypt_costs_a_full_check(monkeypatch):
    costs, ok = checks_made(monkeypatch, "x", "plain-text-from-somewhere", 5)
    assert not ok and costs == [None, 5]  # bcrypt refuses the first at once


def test_the_shipped_common_passwords_are_zxcvbns_list():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # a dev requirement only

    expected = {w.lower() for w in FREQUENCY_LISTS["passwords"] if len(w) >= 8}
    assert passwords._common() == expected


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


def test_a_hash_of_another_cost_either_way_is_rehashed():
    assert passwords.needs_rehash("$2b$13$" + "x" * 53, 12)
    assert passwords.needs_rehash("$2y$10$" + "x" * 53, 12)
    assert not passwords.needs_rehash("$2b$12$" + "x" * 53, 12)
