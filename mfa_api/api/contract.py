"""A view's contract, stated once: `@contract` loads its body (or query), dumps its answer and
records both, with the errors particular to it, for the OpenAPI document (api/openapi.py).
Token kinds and rate limits are stamped by their own decorators (guards.token_required,
limits.*), so each fact is written once, where it is enforced.

How to write a view::

    @bp.post("/2fa/disable")
    @step_up_limit
    @token_required(ACCESS)
    @tells_backup_codes_left
    @contract(StepUpAccessReply, body=PasswordWithCodeSchema, errors=(423,))
    def disable(form):
        \"""Turn 2FA off (step-up); every earlier token stops working.\"""
        access = enrolment.disable(g.user, form["password"], form["otp"], context())
        return {"message": "2FA has been disabled", "access": access}

- `@contract` comes last, right above the function: the guards and limits above it run
  first (no token is a 401 before any body is read), and they keep its record on the view.
- `body=` (or `query=`): the view takes the loaded body (or query string) as its first
  argument, before the route's own (`def rename(form, passkey_id)`). A body that fails the
  schema is a 400 in the face's error shape; an empty body reads as `{}` when the schema
  requires no field.
- The view returns the value its reply schema dumps (a dict or an object); it is answered
  with 200. A `Response` is passed on untouched (an answer that is not the reply, such as
  /readyz's 503). Errors are raised, never returned.
- Several possible replies: name each, `reply={"logged_in": LoggedInReply, "challenge":
  ChallengeReply}`, and return `(name, value)`; the document offers them in that order.
  A view takes one body schema; a Contract with several (one of them) is only the mfa-php
  index.php's, which api/openapi.py assembles from its endpoints'.
- A view never calls `load()`, `json_body()` or `reply()` and never names a schema of its
  contract (tests/unit/test_view_contracts.py checks both).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Response, request
from marshmallow import Schema

from .common import json_body
from .inputs import instance_of, load


@dataclass(frozen=True)
class Contract:
    """A view's request body (or query) schema, its 200 bodies (several: one of them), the
    error statuses particular to it, and request headers it reads."""

    replies: tuple[type[Schema], ...]
    body: type[Schema] | tuple[type[Schema], ...] | None = None
    query: type[Schema] | None = None
    errors: tuple[int, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    body_optional: bool = False


Replies = type[Schema] | Mapping[str, type[Schema]]


def contract(
    reply: Replies,
    *,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    errors: tuple[int, ...] = (),
    headers: dict[str, str] | None = None,
    body_optional: bool = False,
) -> Callable[[Callable], Callable]:
    """A decorator: load the view's body (or query), dump what it returns through its reply
    schema, and record its Contract (see this module's docstring for the rules)."""
    named = dict(reply) if isinstance(reply, Mapping) else None
    replies = tuple(named.values()) if named is not None else (reply,)
    terms = Contract(replies, body, query, errors, dict(headers or {}), body_optional)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def answered(*args, **kwargs):
            if body is not None:
                args = (_loaded_body(body), *args)
            elif query is not None:
                args = (load(query, request.args.to_dict()), *args)
            value = view(*args, **kwargs)
            if isinstance(value, Response):
                return value
            schema = reply
            if named is not None:
                name, value = value
                schema = named[name]
            return instance_of(schema).dump(value), 200

        answered.contract = terms
        return answered

    return decorate


def _loaded_body(schema: type[Schema]) -> dict:
    """The request body loaded by schema; an empty body is {} when schema requires nothing."""
    optional = not any(f.required for f in instance_of(schema).load_fields.values())
    return load(schema, json_body(optional=optional))


def stamp(view: Callable, name: str, values: tuple) -> None:
    """Add values to a tuple attribute of view (token kinds, rate-limit settings)."""
    setattr(view, name, (*getattr(view, name, ()), *values))
