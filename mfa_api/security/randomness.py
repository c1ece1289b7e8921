"""Whether a secret reads as chosen by a person rather than made by a key generator: the words
and the repeats that give a passphrase away (config_check's test of SECRET_KEY).

A generated key is judged by its shape first (config_check); this catches the phrases that
have that shape all the same: `AcmeCorpMfaApiSecretKeyForProduction2026Server` is base64's
alphabet in both cases, and is guessed from a dictionary in far fewer tries than 2**128.
"""

from __future__ import annotations

import math
from pathlib import Path

from . import passwords

ENGLISH_WORDS = Path(__file__).with_name("english_words.txt")
MIN_WORD, MAX_WORD = 4, 16
# Words of 4 letters or more cover at most ~21% of a random key's characters (35,000 of each
# of token_urlsafe(32), token_urlsafe(48), token_hex(32) measured, none above 0.21); the
# phrases people use for keys, 33% and more.
WORDY = 0.3
# A run of characters seen twice in a random key of n characters: about n**2/2 chances of
# 1 in alphabet**run each. Runs of 40 bits (10 hex characters, 7 of base64) make that about
# 1 in a billion for a key of 64; shorter runs refused real keys (hex's 00b00b00b).
REPEAT_BITS = 40


def chosen(secret: str) -> str | None:
    """Why secret reads as chosen by a person (it repeats itself, or is made of words), else
    None."""
    text = secret.strip().lower()
    if _repeats(text):
        return "repeats itself"
    if _share_in_words(text) >= WORDY:
        return "is made of words"
    return None


def _repeats(text: str) -> bool:
    hexadecimal = all(c in "0123456789abcdef" for c in text)
    size = math.ceil(REPEAT_BITS / (4 if hexadecimal else 6))
    seen = set()
    for at in range(len(text) - size + 1):
        run = text[at : at + size]
        if run in seen:
            return True
        seen.add(run)
    return False


def _share_in_words(text: str) -> float:
    """The share of text's characters in words (English, or common passwords), each taken
    longest first from left to right."""
    english = ENGLISH_WORDS.read_bytes()  # read for the one check, not kept: ~0.4 MB
    covered = at = 0
    while at < len(text):
        longest = next(
            (
                size
                for size in range(min(MAX_WORD, len(text) - at), MIN_WORD - 1, -1)
                if _is_word(english, text[at : at + size])
            ),
            0,
        )
        covered += longest
        at += longest or 1
    return covered / len(text) if text else 0.0


def _is_word(english: bytes, word: str) -> bool:
    if not word.isalpha():
        return False
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
