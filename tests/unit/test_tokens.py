"""JWT access and challenge tokens."""

import jwt
import pytest

from mfa_api.security import tokens

KEY = b"k" * 32
NOW = 1_800_000_000


def make(kind=tokens.ACCESS, ttl=3600, key=KEY):
    return tokens.issue_token(user_id=7, token_version=2, kind=kind, key=key, ttl=ttl, now=NOW)


def test_access_token_carries_mfa_php_user_id_kind_and_version():
    claims = tokens.decode_token(make(), key=KEY, kind=tokens.ACCESS, now=NOW + 10)
    assert claims["user_id"] == 7
    assert claims["sub"] == "7"
    assert claims["kind"] == "access"
    assert claims["ver"] == 2
    assert claims["exp"] == NOW + 3600
    assert jwt.get_unverified_header(make())["alg"] == "HS256"


def test_each_token_has_its_own_id():
    assert (
        tokens.decode_token(make(), key=KEY, kind="access", now=NOW)["jti"]
        != (tokens.decode_token(make(), key=KEY, kind="access", now=NOW)["jti"])
    )


@pytest.mark.parametrize(
    ("token", "kind", "now"),
    [
        (make(kind=tokens.CHALLENGE), tokens.ACCESS, NOW),  # wrong kind
        (make(), tokens.CHALLENGE, NOW),  # wrong kind the other way
        (make(ttl=60), tokens.ACCESS, NOW + 60),  # expired
        (make(key=b"x" * 32), tokens.ACCESS, NOW),  # other key
        (make()[:-2] + "xx", tokens.ACCESS, NOW),  # tampered signature
        ("not.a.token", tokens.ACCESS, NOW),
    ],
)
def test_invalid_tokens_are_refused(token, kind, now):
    with pytest.raises(tokens.InvalidToken):
        tokens.decode_token(token, key=KEY, kind=kind, now=now)


def test_alg_none_is_refused():
    claims = jwt.decode(make(), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(tokens.InvalidToken):
        tokens.decode_token(unsigned, key=KEY, kind=tokens.ACCESS, now=NOW)


def test_decode_any_accepts_each_listed_kind_and_only_those():
    both = (tokens.ACCESS, tokens.CHALLENGE)
    assert tokens.decode_any(make(), key=KEY, kinds=both, now=NOW)["kind"] == "access"
    challenge = make(kind=tokens.CHALLENGE)
    assert tokens.decode_any(challenge, key=KEY, kinds=both, now=NOW)["kind"] == "challenge"
    with pytest.raises(tokens.InvalidToken):
        tokens.decode_any(challenge, key=KEY, kinds=(tokens.ACCESS,), now=NOW)


@pytest.mark.parametrize(
    ("late", "taken"),
    [(-1, True), (0, True), (4, True), (5, False), (6, False)],
)
def test_a_token_expired_by_less_than_the_leeway_is_taken(late, taken):
    token = make(ttl=60)
    now = NOW + 60 + late  # `late` seconds after its exp (-1: the last second it lives)
    if taken:
        assert tokens.decode_token(token, key=KEY, kind=tokens.ACCESS, now=now, leeway=5)
        assert tokens.decode_any(token, key=KEY, kinds=(tokens.ACCESS,), now=now, leeway=5)
    else:
        with pytest.raises(tokens.InvalidToken):
            tokens.decode_token(token, key=KEY, kind=tokens.ACCESS, now=now, leeway=5)
        with pytest.raises(tokens.InvalidToken):
            tokens.decode_any(token, key=KEY, kinds=(tokens.ACCESS,), now=now, leeway=5)
