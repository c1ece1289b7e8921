"""JWTs: the access token (a full login) and, for the 2FA face, the challenge token."""

from __future__ import annotations

import secrets

import jwt

ALGORITHM = "HS256"
ACCESS = "access"
CHALLENGE = "challenge"
REMEMBERED_DEVICE = ["pwd", "device"]  # amr of an access token no second factor was asked for
PASSKEY_VERIFIED = ["passkey", "uv"]  # amr of a sign-in with a passkey alone, the user verified


class InvalidToken(Exception):
    """The token is malformed, badly signed, expired or of the wrong kind."""


def issue_token(
    *,
    user_id: int,
    token_version: int,
    kind: str,
    key: bytes,
    ttl: int,
    now: int,
    amr: list[str] | None = None,
) -> str:
    """Sign a token of `kind` for a user; `user_id` is the claim mfa-php's clients read, `amr`
    (RFC 8176) how the user proved who they are, when it matters."""
    claims = {
        "user_id": user_id,
        "sub": str(user_id),
        "kind": kind,
        "ver": token_version,
        "iat": now,
        "exp": now + ttl,
        "jti": secrets.token_urlsafe(16),
    }
    if amr:
        claims["amr"] = amr
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(token: str, *, key: bytes, kind: str, now: int, leeway: int = 0) -> dict:
    """The claims of a valid token of `kind`, taken up to `leeway` seconds past its expiry
    (another host's clock may run ahead); raises InvalidToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            # Expiry is checked below against the `now` passed in, so callers (and tests) own time
            # (PyJWT's own check, and its `leeway`, would read the machine's clock).
            options={
                "require": ["exp", "iat", "sub", "kind", "ver", "jti"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims["kind"] != kind:
        raise InvalidToken("wrong kind of token")
    if not isinstance(claims["exp"], int) or claims["exp"] <= now - leeway:
        raise InvalidToken("token expired")
    return claims


def decode_any(
    token: str, *, key: bytes, kinds: tuple[str, ...], now: int, leeway: int = 0
) -> dict:
    """The claims of a valid token of any of kinds (leeway: as decode_token); raises
    InvalidToken otherwise."""
    for kind in kinds:
        try:
            return decode_token(token, key=key, kind=kind, now=now, leeway=leeway)
        except InvalidToken:
            continue
    raise InvalidToken("no valid token of the kinds " + ", ".join(kinds))
