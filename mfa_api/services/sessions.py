"""Tokens: issuing access and challenge tokens, resolving a presented one, revoking one."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NotFound, Unauthorized
from ..security import tokens
from ..store import revoked, users
from ..store.users import User
from .context import Context

INVALID_TOKEN = "Invalid or expired token"  # noqa: S105 - a message


def _issue(user: User, kind: str, ttl: int, ctx: Context, amr: list[str] | None = None) -> str:
    return tokens.issue_token(
        user_id=user.id,
        token_version=user.token_version,
        kind=kind,
        key=ctx.settings.jwt_key,
        ttl=ttl,
        now=ctx.now,
        amr=amr,
    )


def access_token(user: User, ctx: Context, amr: list[str] | None = None) -> str:
    """A new access token: proof of a full login (amr: how, when not the usual way)."""
    return _issue(user, tokens.ACCESS, ctx.settings.jwt_ttl_seconds, ctx, amr)


@dataclass(frozen=True)
class AccessGrant:
    """An access token handed to a client, and how many seconds it lives."""

    token: str
    expires_in: int


def grant_access(user: User, ctx: Context, amr: list[str] | None = None) -> AccessGrant:
    """A new access token for user, as handed out."""
    return AccessGrant(access_token(user, ctx, amr), ctx.settings.jwt_ttl_seconds)


def grant_fresh(user_id: int, ctx: Context) -> AccessGrant:
    """A new access token after the user's earlier ones were revoked (read back their version)."""
    user = users.find_by_id(user_id)
    if user is None:
        raise NotFound("User not found")
    return grant_access(user, ctx)


def challenge_token(user: User, ctx: Context) -> tuple[str, dict]:
    """A new challenge token (password proven, second factor due) and its claims."""
    token = _issue(user, tokens.CHALLENGE, ctx.settings.challenge_ttl_seconds, ctx)
    key = ctx.settings.jwt_key
    return token, tokens.decode_token(token, key=key, kind=tokens.CHALLENGE, now=ctx.now)


def resolve(token: str, kinds: tuple[str, ...], ctx: Context) -> tuple[User, dict]:
    """The user and claims of a presented token of one of kinds; 401 if it does not hold (a
    token expired by no more than the leeway still holds: hosts' clocks may be a little apart)."""
    leeway = ctx.settings.jwt_leeway_seconds
    try:
        claims = tokens.decode_any(
            token, key=ctx.settings.jwt_key, kinds=kinds, now=ctx.now, leeway=leeway
        )
    except tokens.InvalidToken as exc:
        raise Unauthorized(INVALID_TOKEN) from exc
    if not isinstance(claims.get("user_id"), int):
        raise Unauthorized(INVALID_TOKEN)
    user = users.find_by_id(claims["user_id"])
    if user is None:
        raise NotFound("User not found")
    if user.token_version != claims["ver"]:
        raise Unauthorized(INVALID_TOKEN)
    if revoked.contains(claims["jti"], ctx.now - leeway):  # refused as long as it is taken
        raise Unauthorized(INVALID_TOKEN)
    return user, claims


def revoke(claims: dict, ctx: Context) -> None:
    """Make the token with these claims stop working until it would have expired anyway (in the
    database: no cache lost can revive it); `flask sweep` drops it after that."""
    revoked.add(claims["jti"], claims["exp"])
