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
MIN_WORD, MAX_WORD = 2, 16
# Words are weighed, not counted. A word of L letters at one of a key's n places comes from a
# generator 1 time in 64**L (base64: each letter and its case; hex, 16**L), and from a person
# taking one of the dictionary's N_L words of that length, written in lower case, upper case or
# capitalised, 1 time in 3 * N_L * n (a word straight after another, or after one separator,
# continues the phrase: its place is known). The words that best explain a key add up those
# odds, in bits. Measured on 40,000 keys each of token_urlsafe(32) and (64), base64 of 32 and
# 48 random bytes, token_hex(32) and (64): at most 18.8, 22.4, 21.0, 21.6, 14.2 and 17.0 bits;
# each bit past that halves the chance, so about 1 key in 10**10 reaches 40. The phrases in
# tests/unit/test_randomness.py score 70 to 150. (0.11's rule, a share of the key's characters
# in words of 4 letters or more, refused about 1 generated key in 10,000, KoGREEKq4nCUtL6Yd…,
# and missed phrases of short words: ThisIsOurMfaApiKeyForProd2026AndItIsSecretOk.)
PHRASE_BITS = 40
# A run of characters seen twice in a random key of n characters: about n**2/2 chances of
# 1 in alphabet**run each. Runs of 40 bits (10 hex characters, 7 of base64) make that about
# 1 in a billion for a key of 64; shorter runs refused real keys (hex's 00b00b00b).
REPEAT_BITS = 40
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
SEPARATORS = "-_. "  # what people put between the words of a phrase
# Short words the two lists leave out (zxcvbn keeps almost none under 4 letters) that people
# write key phrases with: English's commonest, and what a service's keys are named after.
SHORT_WORDS = frozenset(
    (  # noqa: SIM905 - a list of words reads best as words
        "an as at be by do go he if in is it me my no of ok on or so to up us we "
        "all and are but can for get has her his its new not now one our out set the too two "
        "use was who why yes you "
        "api app jwt key mfa otp pin sso tls dev env ops qa prod prd stg uat ci "
        "inc llc ltd co corp org net com web www db sql"
    ).split()
)


def chosen(secret: str) -> str | None:
    """Why secret reads as chosen by a person (it repeats itself, or is made of words), else
    None."""
    text = secret.strip()
    if _repeats(text.lower()):
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


def phrase_bits(secret: str) -> float:
    """How much likelier secret is a phrase of dictionary words (English, or common passwords)
    than a generator's output, in bits, for the words that explain it best."""
    english = ENGLISH_WORDS.read_bytes()  # read for the one check, not kept: ~0.4 MB
    text = secret.lower()
    hexadecimal = _hexadecimal(text)
    letters = "abcdef" if hexadecimal else _LETTERS
    sizes = _words_by_length(letters)
    # A generator picks each character: in hex, 1 of 16; in base64, 1 of 64, its case
    # included. A person picks a word, then writes it in lower case, upper case or capitalised
    # (1 of 3): a word written otherwise (dOmE) is no word of a phrase.
    letter_bits, case_bits = (4, 0.0) if hexadecimal else (6, math.log2(3))
    place_bits = math.log2(max(len(text), 1))
    # free[at], joined[at]: the most bits the words of text[at:] can give, when no word ends
    # at `at` (a word there pays for its place) or one does (a next word, straight after it or
    # after one separator, continues the phrase: its place is known).
    free = [0.0] * (len(text) + 1)
    joined = [0.0] * (len(text) + 1)
    for at in range(len(text) - 1, -1, -1):
        free[at] = free[at + 1]
        joined[at] = joined[at + 1] if text[at] in SEPARATORS else free[at + 1]
        run = len(text[at : at + MAX_WORD]) - len(text[at : at + MAX_WORD].lstrip(letters))
        for size in range(4 if hexadecimal else MIN_WORD, run + 1):  # hexspeak: no short words
            written = secret[at : at + size]
            if not hexadecimal and not _written_as_a_word(written):
                continue
            if sizes.get(size) and _is_word(english, text[at : at + size]):
                bits = size * letter_bits - math.log2(sizes[size]) - case_bits
                bits += joined[at + size]
                free[at] = max(free[at], bits - place_bits)
                joined[at] = max(joined[at], bits)
    return free[0]


def _written_as_a_word(letters: str) -> bool:
    """Lower case, upper case, or a capital then lower case."""
    return (
        letters.islower() or letters.isupper() or (letters[0].isupper() and letters[1:].islower())
    )


@functools.cache
def _words_by_length(letters: str) -> dict[int, int]:
    """How many words of each length the dictionary holds that are spelt with letters only
    (both lists; a word on both is counted twice, which only makes it weigh less)."""
    listed = (
        line.decode()
        for path in (ENGLISH_WORDS, passwords.COMMON_PASSWORDS)
        for line in path.read_bytes().split(b"\n")
    )
    short = sorted(SHORT_WORDS) if letters == _LETTERS else []  # hex: none (phrase_bits)
    words = [word for word in listed if len(word) >= 4] + short
    return dict(Counter(len(word) for word in words if word and not word.strip(letters)))


def _is_word(english: bytes, word: str) -> bool:
    if word in SHORT_WORDS or len(word) < 4:
        return word in SHORT_WORDS
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
