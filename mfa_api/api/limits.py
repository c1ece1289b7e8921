"""Rate-limit keys and values: per user on the 2FA face, per client IP and email on logins."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

from ..extensions import limiter
from ..parts import parts
from ..schemas import MAX_EMAIL_LENGTH, canonical_email
from ..security import tokens
from ..services.context import client_key
from .common import now
from .contract import stamp
from .guards import bearer_token


def configured(key: str) -> Callable[[], str]:
    """The limit named by a config key, read at request time (so tests and operators set it)."""
    return lambda: current_app.config[key]


def _limited(key: str, per: str, decorator: Callable) -> Callable:
    """decorator, with the limit's setting and what it counts per stamped for the docs."""

    def apply(view: Callable) -> Callable:
        limited = decorator(view)
        stamp(limited, "rate_limits", ((key, per),))
        return limited

    return apply


def per_user(key: str):
    """A decorator: the limit of a config key, per user (of a valid token) or else per IP."""
    return _limited(key, "user", limiter.limit(configured(key), key_func=user_or_ip))


def per_ip(key: str):
    """A decorator: the limit of a config key, per client IP."""
    return _limited(key, "client IP", limiter.limit(configured(key), key_func=client_ip))


def per_ip_and_email(key: str):
    """A decorator: the limit of a config key, per client IP and email tried."""
    decorator = limiter.limit(configured(key), key_func=ip_and_email)
    return _limited(key, "client IP and email", decorator)


def body_email() -> str:
    """The email of the JSON body, normalised, or '' (the limiter must never fail a request)."""
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, RecursionError):
        return ""
    email = data.get("email") if isinstance(data, dict) else None
    return canonical_email(email)[:MAX_EMAIL_LENGTH] if isinstance(email, str) else ""


def scoped(key: str) -> str:
    """key under this app's REDIS_PREFIX, so installs (and tests) sharing a Redis never mix.

    (Flask-Limiter's own RATELIMIT_KEY_PREFIX sticks to the first app it was bound to.)
    """
    return current_app.config["REDIS_PREFIX"] + key


def client_ip() -> str:
    """Key: the client IP, an IPv6 one by its /64 (PROXY_COUNT hops of X-Forwarded-For
    trusted)."""
    return scoped(f"ip:{client_key(get_remote_address())}")


def ip_and_email() -> str:
    """Key: the client IP and the email being tried."""
    return scoped(f"ip:{client_key(get_remote_address())}|email:{body_email()}")


def user_or_ip() -> str:
    """Key: the user of a validly signed token of either kind, else the client IP."""
    token = bearer_token()
    if token is not None:
        kinds = (tokens.ACCESS, tokens.CHALLENGE)
        try:
            claims = tokens.decode_any(token, key=parts().settings.jwt_key, kinds=kinds, now=now())
            return scoped(f"user:{claims['user_id']}")
        except tokens.InvalidToken:
            pass
    return client_ip()


# RATELIMIT_STEP_UP per user: one budget shared by every route that checks the password again.
step_up_limit = _limited(
    "RATELIMIT_STEP_UP",
    "user, shared by every step-up route",
    limiter.shared_limit(configured("RATELIMIT_STEP_UP"), scope="step-up", key_func=user_or_ip),
)
