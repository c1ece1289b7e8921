"""The admin API's query schemas (/api/admin/events; an account's events take the 2FA face's
EventsQuerySchema)."""

from __future__ import annotations

from datetime import datetime

from marshmallow import ValidationError, fields, validate

from ..services.flows.admin_api import MAX_PAGE
from .inputs import BodySchema


class Rfc3339(fields.String):
    """A time with its offset (RFC 3339: 2026-12-07T21:00:00Z), loaded as Unix seconds."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationError("since is a time as RFC 3339 writes it") from exc
        if moment.tzinfo is None:
            raise ValidationError("since needs an offset (Z or +hh:mm)")
        return int(moment.timestamp())


class FeedQuerySchema(BodySchema):
    since = Rfc3339(
        load_default=None,
        metadata={
            "format": "date-time",
            "description": "Events at or after this time (RFC 3339); without a cursor.",
        },
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "`nextCursor` of the previous page (wins over since)."},
    )
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=MAX_PAGE, error=f"limit is 1 to {MAX_PAGE}"),
    )
