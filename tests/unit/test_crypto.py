"""Keyed hashes and key derivation."""

from mfa_api.security import crypto


def test_derived_keys_differ_by_purpose_and_master():
    assert crypto.derive_key("m", "a") != crypto.derive_key("m", "b")
    assert crypto.derive_key("m", "a") != crypto.derive_key("n", "a")
    assert len(crypto.derive_key("m", "a")) == 32


def test_keyed_hash_needs_the_key():
    key = crypto.derive_key("m", "otp")
    assert crypto.keyed_hash(key, "123456") == crypto.keyed_hash(key, "123456")
    assert crypto.keyed_hash(key, "123456") != crypto.keyed_hash(b"other", "123456")
    assert "123456" not in crypto.keyed_hash(key, "123456")
    assert crypto.same_hash(crypto.keyed_hash(key, "1"), crypto.keyed_hash(key, "1"))


def test_a_random_token_hash_is_unkeyed_stable_and_separated_by_purpose():
    first = crypto.random_token_hash("backup-code", "ABCD-EFGH-JKMN-PQRS")
    assert first == crypto.random_token_hash("backup-code", "ABCD-EFGH-JKMN-PQRS")
    assert first != crypto.random_token_hash("remembered-device", "ABCD-EFGH-JKMN-PQRS")
    assert len(first) == 64 and int(first, 16) >= 0
