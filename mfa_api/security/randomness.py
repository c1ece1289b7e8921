"""Whether a secret reads as chosen by a person rather than made by a key generator: the words
and the repeats that give a passphrase away (config_check's test of SECRET_KEY).

A generated key is judged by its shape first (config_check); this catches the phrases that
have that shape all the same: `AcmeCorpMfaApiSecretKeyForProduction2026Server` is base64's
alphabet in both cases, and is guessed from a dictionary in far fewer tries than 2**128.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from pathlib import Path

from . import passwords

ENGLISH_WORDS = Path(__file__).with_name("english_words.txt")
MIN_WORD, MAX_WORD = 4, 16
# Words are weighed, not counted. A word of L letters at one of a key's n places comes from
# a generator 1 time in 32**L (a letter of base64 read in lower case is 2 of 64; in hex, 1 in
# 16**L), and from a person taking one of the dictionary's N_L words of that length 1 time in
# N_L * n. The words that best explain a key add up those odds, in bits. Measured on 80,000
# keys each of token_urlsafe(32), token_urlsafe(64) and token_hex(32): at most 17.6, 15.6
# and 4.3 bits (each bit past that halves the chance: ~1 key in 10**9 reaches 32); the
# phrases in tests/unit/test_randomness.py, 49 to 70. A share of characters in words, this
# rule until 0.11, refused about 1 generated key in 10,000 (KoGREEKq4nCUtL6Yd…: 30%).
PHRASE_BITS = 32
# A run of characters seen twice in a random key of n characters: about n**2/2 chances of
# 1 in alphabet**run each. Runs of 40 bits (10 hex characters, 7 of base64) make that about
# 1 in a billion for a key of 64; shorter runs refused real keys (hex's 00b00b00b).
REPEAT_BITS = 40
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def chosen(secret: str) -> str | None:
    """Why secret reads as chosen by a person (it repeats itself, or is made of words), else
    None."""
    text = secret.strip().lower()
    if _repeats(text):
        return "repeats itself"
    if phrase_bits(text) >= PHRASE_BITS:
        return "is made of words"
    return None


def _hexadecimal(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def _repeats(text: str) -> bool:
    size = math.ceil(REPEAT_BITS / (4 if _hexadecimal(text) else 6))
    seen = set()
    for at in range(len(text) - size + 1):
        run = text[at : at + size]
        if run in seen:
            return True
        seen.add(run)
    return False


def phrase_bits(text: str) -> float:
    """How much likelier text (lower case) is a phrase of dictionary words (English, or common
    passwords) than a generator's output, in bits, for the words that explain it best."""
    english = ENGLISH_WORDS.read_bytes()  # read for the one check, not kept: ~0.4 MB
    sizes = _words_by_length()
    letter_bits = 4 if _hexadecimal(text) else 5
    place_bits = math.log2(max(len(text), 1))
    # best[at]: the most bits the words of text[at:] can give (a word's bits or none).
    best = [0.0] * (len(text) + 1)
    for at in range(len(text) - 1, -1, -1):
        best[at] = best[at + 1]
        letters = len(text[at : at + MAX_WORD]) - len(text[at : at + MAX_WORD].lstrip(_LETTERS))
        for size in range(MIN_WORD, letters + 1):
            if _is_word(english, text[at : at + size]):
                bits = size * letter_bits - math.log2(sizes[size]) - place_bits
                best[at] = max(best[at], bits + best[at + size])
    return best[0]


@functools.cache
def _words_by_length() -> dict[int, int]:
    """How many words of each length the dictionary holds (both lists; a word on both is
    counted twice, which only makes it weigh less)."""
    lines = (
        line
        for path in (ENGLISH_WORDS, passwords.COMMON_PASSWORDS)
        for line in path.read_bytes().split(b"\n")
    )
    return dict(Counter(len(line) for line in lines if line.isalpha()))


def _is_word(english: bytes, word: str) -> bool:
    return _in_sorted_lines(english, word.encode()) or passwords.is_listed(word)


def _in_sorted_lines(blob: bytes, line: bytes) -> bool:
    """True when line is one of blob's lines, which are sorted (a binary search in place)."""
    low, high = 0, len(blob)
    while low < high:
        start = blob.rfind(b"\n", 0, (low + high) // 2) + 1
        end = blob.find(b"\n", start)
        end = len(blob) if end < 0 else end
        found = blob[start:end]
        if found == line:
            return True
        if found < line:
            low = end + 1
        else:
            high = start
    return False
