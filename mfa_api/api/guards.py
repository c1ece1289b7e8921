"""Which token a route needs: the guard reads the bearer token and puts its user on g."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request

from ..errors import Unauthorized
from ..security.tokens import ACCESS, CHALLENGE
from ..services import sessions
from ..store.users import User
from .common import context
from .contract import stamp


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_required(*kinds: str) -> Callable:
    """Let the view run only with a valid, unrevoked token of one of kinds (g.user, g.claims)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            token = bearer_token()
            if token is None:
                raise Unauthorized("Missing bearer token")
            g.user, g.claims = resolved(token)
            if g.claims["kind"] not in kinds:
                raise Unauthorized(sessions.INVALID_TOKEN)
            return view(*args, **kwargs)

        stamp(guarded, "token_kinds", kinds)
        return guarded

    return decorate


def resolved(token: str) -> tuple[User, dict]:
    """The user and claims of a token of either kind, fully checked (signature, expiry, version,
    revocation) once a request: the rate limits key on it before the view's guard reads it."""
    cached = g.get("mfa_resolved")
    if cached is not None and cached[0] == token:
        return cached[1], cached[2]
    user, claims = sessions.resolve(token, (ACCESS, CHALLENGE), context())
    g.mfa_resolved = (token, user, claims)
    return user, claims
