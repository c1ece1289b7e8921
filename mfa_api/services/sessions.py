"""Tokens: issuing access and challenge tokens, resolving a presented one, revoking one."""

from __future__ import annotations

import json

from ..config import Settings
from ..errors import NotFound, Unauthorized
from ..security import tokens
from ..store import users
from ..store.ephemeral import ephemeral
from ..store.users import User

INVALID_TOKEN = "Invalid or expired token"  # noqa: S105 - a message


def _issue(user: User, kind: str, ttl: int, settings: Settings, now: int) -> str:
    return tokens.issue_token(
        user_id=user.id,
        token_version=user.token_version,
        kind=kind,
        key=settings.jwt_key,
        ttl=ttl,
        now=now,
    )


def access_token(user: User, settings: Settings, now: int) -> str:
    """A new access token: proof of a full login."""
    return _issue(user, tokens.ACCESS, settings.jwt_ttl_seconds, settings, now)


def access_body(user: User, settings: Settings, now: int) -> dict:
    """The JSON fields that hand a client its access token."""
    return {
        "accessToken": access_token(user, settings, now),
        "tokenType": "Bearer",
        "expiresIn": settings.jwt_ttl_seconds,
    }


def challenge_token(user: User, settings: Settings, now: int) -> tuple[str, dict]:
    """A new challenge token (password proven, second factor due) and its claims."""
    token = _issue(user, tokens.CHALLENGE, settings.challenge_ttl_seconds, settings, now)
    return token, tokens.decode_token(token, key=settings.jwt_key, kind=tokens.CHALLENGE, now=now)


def resolve(token: str, kinds: tuple[str, ...], settings: Settings, now: int) -> tuple[User, dict]:
    """The user and claims of a presented token of one of kinds; 401 if it does not hold."""
    try:
        claims = tokens.decode_any(token, key=settings.jwt_key, kinds=kinds, now=now)
    except tokens.InvalidToken as exc:
        raise Unauthorized(INVALID_TOKEN) from exc
    if not isinstance(claims.get("user_id"), int):
        raise Unauthorized(INVALID_TOKEN)
    user = users.find_by_id(claims["user_id"])
    if user is None:
        raise NotFound("User not found")
    if user.token_version != claims["ver"]:
        raise Unauthorized(INVALID_TOKEN)
    if ephemeral().get(_denied(claims["jti"]), now) is not None:
        raise Unauthorized(INVALID_TOKEN)
    return user, claims


def revoke(claims: dict, now: int) -> None:
    """Make the token with these claims stop working until it would have expired anyway."""
    ephemeral().put(_denied(claims["jti"]), json.dumps({"exp": claims["exp"]}), claims["exp"], now)


def _denied(jti: str) -> str:
    return f"deny:{jti}"
