"""What every reply shares: every response body is dumped by the marshmallow schema that
documents it (in the face's own replies module; api/contract.py dumps it), so the wire
format is written once."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, fields


class Reply(Schema):
    """A body with `success: true`, as both faces answer."""

    success = fields.Constant(True, required=True)


class MessageReply(Reply):
    """`success` and a message for people."""

    message = fields.String(required=True)


class UnixTime(fields.DateTime):
    """Unix seconds, sent as ISO 8601 in UTC with a Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        moment = datetime.fromtimestamp(value, UTC).replace(microsecond=0)
        return moment.isoformat().replace("+00:00", "Z")
