"""Argon2id hashes worked out in memory the process keeps, instead of in memory malloc gives.

Each hash needs its whole memory cost (19 MiB by default) at once. From malloc, that block is
freed after each hash, yet glibc, having seen a block so large, keeps up to twice as much free
memory and fragments around it: a gunicorn worker held ~40 MB for hashing, not 19. Here each
hash borrows a block mapped once (an anonymous mmap) and kept for the next: one block per hash
that can run at once (PASSWORD_HASH_CONCURRENCY), no page to fault in again, and nothing else of
the process's memory mixed with it. Argon2 wipes the block before handing it back. What it
buys, measured (`python -m bench.memory`, docs/performance.md, P5): 105-108 MB of RSS a worker
after 10,000 requests with malloc's memory, 87-90 MB with this block.

argon2-cffi lets a caller give Argon2 its memory only through `argon2.low_level.core` and a
context with allocation callbacks, a binding it documents as working on raw C structures that
may change with any release. The version is pinned, the tests check every hash made here against
argon2-cffi's own PasswordHasher both ways, and a hash this module cannot read in full (another
variant, version or encoding) is verified by PasswordHasher as before.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import mmap
import os
import re
import threading
from contextlib import contextmanager, suppress
from typing import NamedTuple

from argon2.low_level import ARGON2_VERSION, Type, core, error_to_str, ffi

SALT_BYTES, HASH_BYTES = 16, 32  # argon2-cffi's PasswordHasher's defaults
_NUMBER, _B64 = r"([1-9][0-9]*)", r"([A-Za-z0-9+/]+)"  # as argon2's own decoder: no leading 0
_PHC = re.compile(rf"\$argon2id\$v=19\$m={_NUMBER},t={_NUMBER},p={_NUMBER}\${_B64}\${_B64}")
MAX_MEMORY_KIB, MAX_TIME_COST, MAX_PARALLELISM = 1024 * 1024, 20, 16  # config_check's bounds
_BLOCK = 1024  # bytes in one of Argon2's memory blocks (m counts them in KiB)
_ALLOCATION_FAILED = -22  # ARGON2_MEMORY_ALLOCATION_ERROR


class Params(NamedTuple):
    """Argon2id's costs: memory in KiB, passes, lanes."""

    memory_kib: int
    time_cost: int
    parallelism: int


class Decoded(NamedTuple):
    """A PHC-format Argon2id hash taken apart."""

    params: Params
    salt: bytes
    digest: bytes


def hash_password(password: bytes, params: Params) -> str:
    """A new Argon2id hash of password, in the PHC string format argon2-cffi writes."""
    salt = os.urandom(SALT_BYTES)
    digest = _raw(password, salt, params, HASH_BYTES)
    m, t, p = params
    return f"$argon2id$v=19$m={m},t={t},p={p}${_b64(salt)}${_b64(digest)}"


def decode(stored: str) -> Decoded | None:
    """stored taken apart, or None when it is not a version-19 Argon2id hash as written here and
    by argon2-cffi (the caller then leaves it to argon2-cffi)."""
    match = _PHC.fullmatch(stored)
    if match is None:
        return None
    m, t, p, salt, digest = match.groups()
    try:
        salt_bytes, digest_bytes = _unb64(salt), _unb64(digest)
    except binascii.Error:
        return None
    if _b64(salt_bytes) != salt or _b64(digest_bytes) != digest:  # not the canonical form
        return None
    params = Params(int(m), int(t), int(p))
    if not (
        1 <= params.parallelism <= MAX_PARALLELISM
        and 8 * params.parallelism <= params.memory_kib <= MAX_MEMORY_KIB
        and 1 <= params.time_cost <= MAX_TIME_COST
        and len(salt_bytes) >= 8
        and len(digest_bytes) >= 4
    ):
        return None
    return Decoded(params, salt_bytes, digest_bytes)


def verify(password: bytes, decoded: Decoded) -> bool:
    """True when password hashes, with decoded's salt and costs, to decoded's digest."""
    digest = _raw(password, decoded.salt, decoded.params, len(decoded.digest))
    return hmac.compare_digest(digest, decoded.digest)


def keep_blocks(keep: bool, largest_kib: int = 19456) -> None:
    """Whether blocks stay mapped between hashes (True, the default), or each is given back to
    the system after its hash, for hosts short of memory, at the CPU of faulting it in again.
    Only blocks of up to largest_kib (the configured memory cost) are kept: a stored hash of a
    higher cost gets a block of its own, given back after its check."""
    global _keep, _kept_bytes
    _keep, _kept_bytes = keep, largest_kib * _BLOCK
    while True:
        try:
            block = _free_blocks.pop()
        except IndexError:
            break
        block.close()


_keep, _kept_bytes = True, 19456 * _BLOCK
_free_blocks: list[mmap.mmap] = []  # blocks between hashes (list.pop/append: atomic)
_lent = threading.local()  # .block: (address, size) of the block this thread's hash may take


@ffi.callback("int(uint8_t **, size_t)")
def _allocate(memory, size):
    lent = getattr(_lent, "block", None)
    if lent is None or size > lent[1]:
        return _ALLOCATION_FAILED
    memory[0] = lent[0]
    return 0


@ffi.callback("void(uint8_t *, size_t)")
def _free(memory, size):
    """Nothing to free: the block is the caller's, and Argon2 has wiped it already."""


def _raw(password: bytes, salt: bytes, params: Params, length: int) -> bytes:
    out = ffi.new("uint8_t[]", length)
    size = params.memory_kib * _BLOCK
    with _block(size) as block, ffi.from_buffer(block) as buffer:
        pwd, salt_buffer = ffi.from_buffer(password), ffi.from_buffer(salt)
        context = ffi.new(
            "argon2_context *",
            {
                "out": out,
                "outlen": length,
                "pwd": ffi.cast("uint8_t *", pwd),
                "pwdlen": len(password),
                "salt": ffi.cast("uint8_t *", salt_buffer),
                "saltlen": len(salt),
                "secret": ffi.NULL,
                "secretlen": 0,
                "ad": ffi.NULL,
                "adlen": 0,
                "t_cost": params.time_cost,
                "m_cost": params.memory_kib,
                "lanes": params.parallelism,
                "threads": params.parallelism,
                "version": ARGON2_VERSION,
                "allocate_cbk": _allocate,
                "free_cbk": _free,
                "flags": 0,
            },
        )
        _lent.block = (ffi.cast("uint8_t *", buffer), len(block))
        try:
            error = core(context, Type.ID.value)
        finally:
            _lent.block = None
    if error != 0:
        raise ValueError(f"Argon2id failed: {error_to_str(error)}")
    return bytes(ffi.buffer(out, length))


@contextmanager
def _block(size: int):
    """A block of at least size bytes for one hash: a kept one, or one mapped for this hash
    alone (larger than any kept, or none kept)."""
    block = None
    if _keep and size <= _kept_bytes:
        with suppress(IndexError):
            block = _free_blocks.pop()
        if block is not None and len(block) < size:  # kept before the cost went up
            block.close()
            block = None
    if block is None:
        block = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        yield block
    finally:
        if _keep and len(block) <= _kept_bytes:
            _free_blocks.append(block)
        else:
            block.close()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
