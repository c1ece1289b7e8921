"""A secret of a key's shape that a person chose: its words and repeats give it away."""

import secrets

import pytest

from mfa_api.security import randomness


def test_the_shipped_english_words_are_zxcvbns_lists():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # a dev requirement only

    lists = ("english_wikipedia", "us_tv_and_film")
    expected = sorted(
        {w for name in lists for w in FREQUENCY_LISTS[name] if len(w) >= 4 and w.isalpha()}
        - {w for name in lists for w in FREQUENCY_LISTS[name] if not w.isascii()}
    )
    lines = randomness.ENGLISH_WORDS.read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == expected


def test_the_binary_search_finds_every_word_and_nothing_else():
    blob = randomness.ENGLISH_WORDS.read_bytes()
    words = [line for line in blob.split(b"\n") if line and not line.startswith(b"#")]
    assert all(randomness._in_sorted_lines(blob, word) for word in words)
    for absent in (b"aaa", b"zzzzzzzz", b"productionx", b"#", b""):
        assert not randomness._in_sorted_lines(blob, absent)


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("AcmeCorpMfaApiSecretKeyForProduction2026Server", "is made of words"),
        ("ThisIsTheProductionSecretKeyOfAcmeCorpMfaApi", "is made of words"),
        ("MyCompanyMfaServiceSigningKeyNumber42ForTokens", "is made of words"),
        ("Xk2YourLongProductionJwtSigningSecretHere9Qz", "is made of words"),
        ("ChangeMeToSomethingRandomAndLongPlease12345", "is made of words"),
        ("Tr0ub4dor-3CorrectHorseBatteryStaple2026xyz", "is made of words"),
        ("ThisIsOurMfaApiKeyForProd2026AndItIsSecretOk", "is made of words"),  # short words
        ("my-super-secret-production-signing-key-0001", "is made of words"),  # lower case
        ("the_quick_brown_fox_jumps_over_the_lazy_dog_2026", "is made of words"),
        ("deadbeefcafebabefacefeed0123456789abcdefbadc0ffee0ddf00d12345678", "is made of words"),
        ("Password1Password1Password1Password1Password1", "repeats itself"),
        ("0123456789abcdef" * 4, "repeats itself"),
        ("a" * 45 + "A", "repeats itself"),
    ],
)
def test_phrases_of_a_keys_shape_are_told_apart(secret, why):
    assert randomness.chosen(secret) == why


@pytest.mark.parametrize(
    "make",
    [lambda: secrets.token_urlsafe(32), secrets.token_urlsafe, lambda: secrets.token_hex(32)],
)
def test_generated_keys_are_not(make):
    assert [key for key in (make() for _ in range(2000)) if randomness.chosen(key)] == []


@pytest.mark.parametrize(
    "key",
    [
        "KoGREEKq4nCUtL6YdbfXGiVeDknOSYkUPxCCdyUZ6MU",  # greek, give, nosy: 30% in words
        "uPj36yGKgpd-eTDgArbo--Tay74c_GsdNbspoEOwCaw",
    ],
)
def test_a_generated_key_with_a_few_words_in_it_is_not(key):
    assert randomness.chosen(key) is None


def test_a_word_counts_only_as_a_person_writes_it():
    assert randomness.phrase_bits("SecretProductionServer") > 60
    assert randomness.phrase_bits("sEcReTpRoDuCtIoNsErVeR") == 0.0  # no one writes words so


def test_words_weigh_by_their_length_and_the_keys():
    assert randomness.phrase_bits("greek") < randomness.phrase_bits("production")
    assert randomness.phrase_bits("production" + "9" * 1000) < randomness.phrase_bits("production")
    assert randomness.phrase_bits("9" * 43) == 0.0
