"""The admin API's query schemas and replies (the wire format of /api/admin, written once)."""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate

from ..schemas import BodySchema
from ..services.flows.admin_api import MAX_PAGE
from .replies import Reply, UnixTime
from .twofa_replies import EventFields


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


class UserFields(Schema):
    id = fields.Integer(required=True)
    names = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "Masked: its last 3 digits."})
    phone_verified = fields.Boolean(required=True, data_key="phoneVerified")
    twofa_enabled = fields.Boolean(required=True, data_key="twofaEnabled")
    backup_codes_left = fields.Integer(required=True, data_key="backupCodesLeft")
    passkeys = fields.Integer(required=True)
    remembered_devices = fields.Integer(required=True, data_key="rememberedDevices")
    locked = fields.Boolean(
        required=True, metadata={"description": "The second factor is locked until unlocked."}
    )
    backoff_until = UnixTime(
        required=True,
        allow_none=True,
        data_key="backoffUntil",
        metadata={"description": "Attempts wait until then (a back-off), or null."},
    )
    created = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "As the database keeps it (UTC on SQLite)."},
    )


class UserReply(Reply):
    """The account: names, 2FA, its factors counted, its lock (never a secret or a hash)."""

    user = fields.Nested(UserFields, required=True)


class UserEventsReply(Reply):
    """The account's latest events, newest first."""

    events = fields.List(fields.Nested(EventFields), required=True)


class FeedEventFields(EventFields):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True, allow_none=True, data_key="userId")
    email = fields.String(
        required=True, allow_none=True, metadata={"description": "null once deleted."}
    )


class FeedReply(Reply):
    """Every account's events, oldest first, and the cursor for the next page."""

    events = fields.List(fields.Nested(FeedEventFields), required=True)
    next_cursor = fields.String(
        required=True,
        data_key="nextCursor",
        metadata={"description": "Ask with it next, even after an empty page."},
    )
