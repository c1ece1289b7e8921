"""Rate-limit keys and values: per user and client on the 2FA face (under a per-user ceiling),
per client IP and email on logins, per client IP across every route that checks a password.

Limits that a user's own requests could exhaust count only what proves something: a request
whose guess was evaluated (a password, a code, a passkey's answer) or that did its work (2xx).
A request refused before that (a malformed body, a bad or revoked token, a back-off) is checked
against the limit but spends nothing, so nobody can spend the owner's budget with junk."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, request
from flask_limiter.util import get_remote_address
from limits import parse_many

from ..errors import ApiError
from ..extensions import limiter
from ..security.addresses import canonical_email
from ..services.context import client_key
from ..state import state, value
from .common import tally
from .contract import stamp
from .guards import bearer_token, resolved
from .inputs import MAX_EMAIL_LENGTH

# The per-user ceiling is this many times a route's per-(user, client) limit: one client (an
# attacker who has the password) spends only its own budget, and the owner keeps hers.
USER_CEILING = 3


def configured(key: str, times: int = 1) -> Callable[[], str]:
    """The limit named by a config key (times over), read at request time (so tests and
    operators set it)."""
    if times == 1:
        return lambda: value(key)
    return lambda: scaled(value(key), times)


def scaled(limit: str, times: int) -> str:
    """A limit string with every amount multiplied: "10 per 5 minutes" x3 -> "30 per 5 minute"."""
    items = parse_many(limit)
    return ";".join(f"{i.amount * times} per {i.multiples} {i.GRANULARITY.name}" for i in items)


def proved_something(response: Response) -> bool:
    """Whether a request spends a limit: it did its work, or a guess of it was evaluated."""
    return response.status_code < 400 or tally().evaluated > 0


def evaluated(_response: Response) -> bool:
    """Whether a request spends a limit on guesses: one of its guesses was evaluated."""
    return tally().evaluated > 0


def _limited(key: str, per: str, decorator: Callable) -> Callable:
    """decorator, with the limit's setting and what it counts per stamped for the docs."""

    def apply(view: Callable) -> Callable:
        limited = decorator(view)
        stamp(limited, "rate_limits", ((key, per),))
        return limited

    return apply


def per_user(key: str, *, ceiling_spent_by: Callable[[Response], bool] | None = None):
    """A decorator: the limit of a config key per user and client, and USER_CEILING times it per
    user (of a fully checked token; else per IP), counting what proved something.

    The per-user ceiling, which every client of the user shares, is spent by evaluated guesses
    alone (unless ceiling_spent_by says otherwise: what sends a mail or a text): asking for
    options many times from many places must not use up the owner's."""
    own = limiter.limit(configured(key), key_func=user_and_client, deduct_when=proved_something)
    ceiling = limiter.limit(
        configured(key, USER_CEILING),
        key_func=user_only,
        deduct_when=ceiling_spent_by or evaluated,
    )
    return _limited(key, "user and client (x3 per user)", lambda view: ceiling(own(view)))


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
    return state().values.redis_prefix + key


def client_ip() -> str:
    """Key: the client IP, an IPv6 one by its /64 (PROXY_COUNT hops of X-Forwarded-For
    trusted)."""
    return scoped(f"ip:{client_key(get_remote_address())}")


def ip_and_email() -> str:
    """Key: the client IP and the email being tried."""
    return scoped(f"ip:{client_key(get_remote_address())}|email:{body_email()}")


# RATELIMIT_PASSWORD_CHECKS per client IP, whatever the email: one budget shared by every route
# that checks a password (the mfa-php face's /login too, legacy.py), so that a client changing
# the email on every request still gets only so many password hashes computed.
def password_checks(exempt_when: Callable[[], bool] | None = None):
    """The RATELIMIT_PASSWORD_CHECKS shared limit (per client IP, spent by evaluated guesses)."""
    return limiter.shared_limit(
        configured("RATELIMIT_PASSWORD_CHECKS"),
        scope="password-checks",
        key_func=client_ip,
        deduct_when=evaluated,
        exempt_when=exempt_when,
    )


password_limit = _limited(
    "RATELIMIT_PASSWORD_CHECKS",
    "client IP, shared by every route that checks a password",
    password_checks(),
)


def _token_user() -> int | None:
    """The user of the request's bearer token, fully checked (kind aside), else None."""
    token = bearer_token()
    if token is None:
        return None
    try:
        user, _ = resolved(token)
    except ApiError:  # bad, expired or revoked; the user gone; the database down
        return None
    return user.id


def user_and_client() -> str:
    """Key: the user of a fully checked token and the client asking, else the client IP."""
    user_id = _token_user()
    if user_id is None:
        return client_ip()
    return scoped(f"user:{user_id}|ip:{client_key(get_remote_address())}")


def user_only() -> str:
    """Key: the user of a fully checked token, else the client IP."""
    user_id = _token_user()
    return client_ip() if user_id is None else scoped(f"user:{user_id}")


def _step_up(key_func: Callable[[], str], times: int, scope: str):
    return limiter.shared_limit(
        configured("RATELIMIT_STEP_UP", times),
        scope=scope,
        key_func=key_func,
        deduct_when=proved_something,
    )


_step_up_own = _step_up(user_and_client, 1, "step-up")
_step_up_ceiling = _step_up(user_only, USER_CEILING, "step-up-user")


def step_up_limit(view: Callable) -> Callable:
    """A decorator for every route that checks the password again: RATELIMIT_STEP_UP per user
    and client (x3 per user), one budget shared by all of them, and RATELIMIT_PASSWORD_CHECKS."""
    limited = _limited(
        "RATELIMIT_STEP_UP",
        "user and client (x3 per user), shared by every step-up route",
        lambda inner: _step_up_ceiling(_step_up_own(inner)),
    )
    return limited(password_limit(view))


def per_admin_key(key_func: Callable[[], str]):
    """A decorator: RATELIMIT_ADMIN, one budget per admin API key (key_func: the checked key,
    else the client IP) shared by every route of the admin face."""
    decorator = limiter.shared_limit(
        configured("RATELIMIT_ADMIN"), scope="admin", key_func=key_func
    )
    return _limited("RATELIMIT_ADMIN", "API key, shared by every admin route", decorator)
