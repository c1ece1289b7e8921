"""What a view promises, for the OpenAPI document: its request and response schemas and the
errors it may answer. Token kinds and rate limits are stamped by their own decorators
(guards.token_required, limits.*), so each fact is written once, where it is enforced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from marshmallow import Schema


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


def documented(*replies: type[Schema], **details) -> Callable[[Callable], Callable]:
    """A decorator: record the view's Contract (see Contract for the details)."""

    def record(view: Callable) -> Callable:
        view.contract = Contract(replies=replies, **details)
        return view

    return record


def stamp(view: Callable, name: str, values: tuple) -> None:
    """Add values to a tuple attribute of view (token kinds, rate-limit settings)."""
    setattr(view, name, (*getattr(view, name, ()), *values))
