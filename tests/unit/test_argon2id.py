"""Argon2id in memory the process keeps: the same hashes as argon2-cffi's, both ways, one block
reused per hash at once, wiped after each, and anything it cannot read left to argon2-cffi."""

import threading

import pytest
from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret_raw

from mfa_api.security import argon2id, passwords
from mfa_api.security.argon2id import Params
from tests.helpers import together

CHEAP = Params(memory_kib=64, time_cost=1, parallelism=1)


@pytest.fixture(autouse=True)
def no_kept_blocks():
    argon2id.keep_blocks(False)  # closes what earlier tests kept
    argon2id.keep_blocks(True)
    yield
    argon2id.keep_blocks(False)
    argon2id.keep_blocks(True)


@pytest.mark.parametrize(
    "params", [CHEAP, Params(256, 3, 2), Params(128, 2, 4), Params(19456, 2, 1)]
)
def test_the_same_bytes_as_argon2_cffi(params):
    salt = b"sixteen byte salt"[:16]
    mine = argon2id._raw("pässword".encode(), salt, params, 32)
    theirs = hash_secret_raw(
        "pässword".encode(),
        salt,
        params.time_cost,
        params.memory_kib,
        params.parallelism,
        32,
        Type.ID,
    )
    assert mine == theirs


@pytest.mark.parametrize("params", [CHEAP, Params(256, 3, 2)])
def test_hashes_read_both_ways_with_argon2_cffi(params):
    mine = argon2id.hash_password("s3cret-päss".encode(), params)
    m, t, p = params
    assert mine.startswith(f"$argon2id$v=19$m={m},t={t},p={p}$")
    assert PasswordHasher().verify(mine, "s3cret-päss")
    theirs = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p).hash("s3cret-päss")
    decoded = argon2id.decode(theirs)
    assert decoded is not None and decoded.params == params
    assert argon2id.verify("s3cret-päss".encode(), decoded)
    assert not argon2id.verify("s3cret-päsS".encode(), decoded)


def test_two_hashes_of_one_password_differ():
    assert argon2id.hash_password(b"x", CHEAP) != argon2id.hash_password(b"x", CHEAP)


@pytest.mark.parametrize(
    "stored",
    [
        PasswordHasher(time_cost=1, memory_cost=64, type=Type.I).hash("x"),  # another variant
        "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",  # another version
        "$argon2id$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",  # no version (v=16)
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFz*GhhcTg",  # not base64
        "$argon2id$v=19$m=2000000,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",  # beyond the bounds
        "$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo$",
        "$argon2id$v=19$m=0064,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",  # a leading zero
        "$argon2id$v=19$m=\uff16\uff14,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",  # full-width digits
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHR$aGFzaGhhc2hoYXNo",  # base64 with stray low bits
    ],
)
def test_what_it_cannot_read_is_left_to_argon2_cffi(stored):
    assert argon2id.decode(stored) is None


def test_another_variant_still_verifies_through_argon2_cffi():
    stored = PasswordHasher(time_cost=1, memory_cost=64, type=Type.I).hash("x")
    assert passwords.verify_password("x", stored)
    assert not passwords.verify_password("y", stored)


def test_an_absurd_stored_cost_is_a_wrong_password_not_a_crash():
    assert not passwords.verify_password("x", "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdA$aGFzaA")


def test_one_block_serves_every_thread_and_is_wiped_after_each_hash():
    threads = [
        threading.Thread(target=argon2id.hash_password, args=(b"x", CHEAP)) for _ in range(8)
    ]
    for thread in threads:  # one after the other: each thread borrows the block in turn
        thread.start()
        thread.join()
    assert len(argon2id._free_blocks) == 1
    block = argon2id._free_blocks[0]
    assert len(block) == 64 * 1024
    assert block[:] == bytes(len(block))  # Argon2 cleared it before handing it back


@pytest.mark.parametrize("at_once", [1, 2])
def test_no_more_blocks_than_hashes_allowed_at_once(at_once):
    passwords.allow_concurrent_hashes(at_once)
    try:
        hasher = passwords.Hasher(argon2_time_cost=3, argon2_memory_kib=1024)
        together(lambda: hasher.hash("x"), 8)
    finally:
        passwords.allow_concurrent_hashes(1)
    assert 1 <= len(argon2id._free_blocks) <= at_once


def test_a_larger_cost_replaces_the_block_and_giving_back_keeps_none():
    argon2id.hash_password(b"x", CHEAP)
    argon2id.hash_password(b"x", Params(256, 1, 1))
    assert [len(block) for block in argon2id._free_blocks] == [256 * 1024]
    argon2id.hash_password(b"x", CHEAP)  # a smaller hash fits in the larger block
    assert [len(block) for block in argon2id._free_blocks] == [256 * 1024]
    argon2id.keep_blocks(False)
    assert argon2id._free_blocks == []
    stored = argon2id.hash_password(b"x", CHEAP)
    assert argon2id._free_blocks == []
    assert argon2id.verify(b"x", argon2id.decode(stored))


def test_a_stored_hash_costlier_than_configured_gets_a_block_of_its_own():
    argon2id.keep_blocks(True, largest_kib=64)
    argon2id.hash_password(b"x", CHEAP)
    costly = argon2id.hash_password(b"x", Params(1024, 1, 1))  # a cost lowered since, say
    assert argon2id.verify(b"x", argon2id.decode(costly))
    assert [len(block) for block in argon2id._free_blocks] == [64 * 1024]  # not 1 MiB kept
