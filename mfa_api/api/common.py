"""What every view needs from the request and the app: the JSON body and the call's context."""

from __future__ import annotations

import json

from flask import g, request

from ..errors import InvalidInput
from ..parts import senders
from ..services.context import Client, Context, Links, Tally
from ..state import state

USER_AGENT_MAX = 255
# Where the services' messages send a user next (they know no URL): the 2FA face's calls.
LINKS = Links(
    new_backup_codes="POST /api/auth/2fa/backup-codes",
    add_phone="/api/auth/2fa/phone",
    unlock="POST /api/auth/unlock",
)


INVALID_JSON = "Invalid JSON data"


def json_body(*, optional: bool = False) -> dict:
    """The body as a JSON object, whatever the Content-Type says (like PHP's php://input).

    With optional, an empty body is an empty object.
    """
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested too deep
        raise InvalidInput(INVALID_JSON) from exc
    if not isinstance(data, dict):
        raise InvalidInput(INVALID_JSON)
    return data


def now() -> int:
    """The current Unix time in whole seconds, from the app's clock."""
    return int(state().clock())


def client() -> Client:
    """The client of this request: its IP (PROXY_COUNT hops trusted), user agent, request id."""
    return Client(
        ip=request.remote_addr or "unknown",
        user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX],
        request_id=g.get("request_id", "-"),
    )


def context() -> Context:
    """The services' context for this request."""
    made = state()
    mailer, sms = senders(made)
    return Context(
        settings=made.settings,
        now=now(),
        mailer=mailer,
        sms=sms,
        client=client(),
        tally=tally(),
        links=LINKS,
    )


def tally() -> Tally:
    """This request's tally of evaluated guesses, shared by every context it makes."""
    return g.setdefault("mfa_tally", Tally())
