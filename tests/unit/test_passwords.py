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
