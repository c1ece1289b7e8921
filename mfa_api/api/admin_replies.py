"""The admin API's replies (the wire format of /api/admin, written once)."""

from __future__ import annotations

from marshmallow import Schema, fields

from .replies import Reply, UnixTime
from .twofa_replies import EventFields


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
