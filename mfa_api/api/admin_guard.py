"""Which admin API key a request carries, and what it may do: the face is off (404) until a key
exists; a missing, malformed, unknown, wrong, revoked or expired key is a 401, a key without the
route's scope a 403. Every call made with one of our keys is written to the audit trail."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import Response, g, request

from ..errors import ApiError, Forbidden, NotFound, Unauthorized
from ..services.flows import admin_api, api_keys
from ..services.flows.api_keys import Refusal
from ..store.api_keys import ApiKey
from .common import context, now
from .contract import stamp
from .guards import bearer_token
from .limits import client_ip, per_admin_key, scoped

log = logging.getLogger(__name__)

REFUSALS = {
    "missing": "Missing API key (Authorization: Bearer mfa_ak_…)",
    "malformed": "Invalid API key",
    "unknown": "Invalid API key",
    "wrong": "Invalid API key",
    "revoked": "API key revoked",
    "expired": "API key expired",
}


def checked_key() -> ApiKey | Refusal:
    """The request's key, checked once a request (the rate limit keys on it first)."""
    if "admin_checked" not in g:
        token = bearer_token()
        g.admin_checked = api_keys.check(token, now()) if token else Refusal("missing")
    return g.admin_checked


def _limit_key() -> str:
    """The rate limit's key: the checked key's id, else the client IP."""
    try:
        found = checked_key()
    except ApiError:  # the database down: count per client
        return client_ip()
    return scoped(f"admin-key:{found.id}") if isinstance(found, ApiKey) else client_ip()


admin_limit = per_admin_key(_limit_key)


def scope_required(scope: str) -> Callable:
    """Let the view run only for a valid key that holds scope (g.admin_key)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            found = checked_key()
            if isinstance(found, Refusal):
                if found.key is None and not api_keys.enabled():
                    raise NotFound("Not found")
                raise Unauthorized(REFUSALS[found.reason])
            if scope not in found.scopes:
                raise Forbidden(f"This key lacks the scope {scope}")
            g.admin_key = found
            return view(*args, **kwargs)

        stamp(guarded, "admin_scopes", (scope,))
        return guarded

    return decorate


def audit_call(response: Response) -> Response:
    """Write the call to the audit trail when one of our keys made it (refused or not)."""
    found = g.get("admin_checked")
    key = found if isinstance(found, ApiKey) else getattr(found, "key", None)
    if key is None:
        return response
    refused = {"refused": found.reason} if isinstance(found, Refusal) else {}
    try:
        admin_api.record_call(
            context(), key, request.method, request.path, response.status_code, **refused
        )
    except Exception:  # the answer stands; the log keeps what the trail could not
        log.exception("admin API call by key %s not written to the audit trail", key.id)
    return response
