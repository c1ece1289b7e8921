"""The fields request bodies are made of (null or blank counts as missing, as PHP's empty() saw
it), and one way to load a body into a clear 400. The faces' schemas: legacy_schemas.py,
twofa_schemas.py, admin_replies.py (its query)."""

from __future__ import annotations

import functools
import re
import unicodedata

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from ..errors import InvalidInput
from ..security import addresses, otp
from ..security.addresses import canonical_email
from ..security.passwords import MAX_PASSWORD_BYTES, is_blank

MIN_PASSWORD_LENGTH = 8
REQUIRED = "This field is required."


class _Field(fields.Field):
    """A field for which null, like absence, means 'missing' (as PHP's empty() saw it)."""

    default_error_messages = {"required": REQUIRED, "null": REQUIRED}


def _encodable(value: str) -> bool:
    """True when value has no lone surrogate (JSON allows them; UTF-8 does not)."""
    return not any(unicodedata.category(c) == "Cs" for c in value)


def _clean(value: str) -> bool:
    """True for text with no control character and no lone surrogate (which no database, mail
    header or hash can take)."""
    return not any(unicodedata.category(c) in ("Cc", "Cs") for c in value)


class Text(_Field):
    """A string, trimmed; blank counts as missing (as PHP's empty() did)."""

    default_error_messages = {"invalid": "Not a valid string."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _clean(value):
            raise self.make_error("invalid")
        value = value.strip()
        if not value:
            raise self.make_error("required")
        return value


MAX_EMAIL_LENGTH = 255


class EmailAddress(Text):
    """An email address in its canonical form. `strict` (a new address): what mfa-php took
    (PHP's FILTER_VALIDATE_EMAIL) less quoting and IP literals, within RFC 5321's lengths; see
    mfa_api/security/addresses.py. Special-use names are the service's to refuse
    (REJECT_SPECIAL_USE_DOMAINS)."""

    default_error_messages = {"email": "Not a valid email address."}

    def __init__(self, *, strict: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.strict = strict

    def _deserialize(self, value, attr, data, **kwargs):
        value = canonical_email(super()._deserialize(value, attr, data, **kwargs))
        if len(value) > MAX_EMAIL_LENGTH:
            raise self.make_error("email")
        if not self.strict:
            return value
        why, stored = addresses.problem(value)
        if why is not None:
            raise ValidationError(f"Not a valid email address: {why}")
        return stored


class Password(_Field):
    """A password as typed (never trimmed); at most 72 bytes, at least 8 characters if `new`."""

    default_error_messages = {
        "invalid": "Not a valid string.",
        "short": f"Password must be at least {MIN_PASSWORD_LENGTH} characters.",
        "long": f"Password must be at most {MAX_PASSWORD_BYTES} bytes.",
        "blank": "Password cannot be only spaces or invisible characters.",
    }

    def __init__(self, *, new: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.new = new

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or "\x00" in value or not _encodable(value):
            raise self.make_error("invalid")
        if value == "":
            raise self.make_error("required")
        if len(value.encode()) > MAX_PASSWORD_BYTES:
            raise self.make_error("long")
        if self.new and len(value) < MIN_PASSWORD_LENGTH:
            raise self.make_error("short")
        if self.new and is_blank(value):
            raise self.make_error("blank")
        return value


class Phone(_Field):
    """A phone number, digits only (as mfa-php kept it); a JSON number is accepted too."""

    default_error_messages = {
        "invalid": "Not a valid phone number.",
        "length": "A phone number has 6 to 20 digits.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.make_error("invalid")
        digits = re.sub(r"\D", "", str(value))
        if not digits:
            raise self.make_error("required")
        if not 6 <= len(digits) <= 20:
            raise self.make_error("length")
        return digits


def _six_digits(value) -> str | None:
    """value as a 6-digit code (spaces dropped, a JSON number zero-padded), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{value:06d}" if 0 <= value <= 999_999 else None
    if isinstance(value, str):
        value = re.sub(r"\s", "", value)
        return value if re.fullmatch(r"[0-9]{6}", value) else None
    return None


def _blank(value) -> bool:
    return isinstance(value, str) and not value.strip()


class Code(_Field):
    """A 6-digit code; spaces are dropped and a JSON number gets its leading zeros back."""

    default_error_messages = {"invalid": "A code is exactly 6 digits."}

    def _deserialize(self, value, attr, data, **kwargs):
        if _blank(value):
            raise self.make_error("required")
        code = _six_digits(value)
        if code is None:
            raise self.make_error("invalid")
        return code


class SecondFactorCode(_Field):
    """A current second factor for step-up: a 6-digit TOTP, or a backup code in any form."""

    default_error_messages = {"invalid": "A 6-digit code or a backup code is required."}

    def _deserialize(self, value, attr, data, **kwargs):
        if _blank(value):
            raise self.make_error("required")
        code = _six_digits(value)
        if code is None and isinstance(value, str):
            code = otp.normalize_backup_code(value)
        if code is None:
            raise self.make_error("invalid")
        return code


# The service's own fields: null in a body means the field was not given.
SERVICE_FIELDS = (_Field,)


class BodySchema(Schema):
    """Extra fields are ignored, as mfa-php ignored them."""

    required_message = "Missing required fields"

    class Meta:
        unknown = EXCLUDE


def load(schema: type[BodySchema], data: dict) -> dict:
    """Load data with schema, or raise a 400 whose message says what is wrong."""
    try:
        return instance_of(schema).load(data)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise InvalidInput(_summary(schema, errors), errors=errors) from exc


@functools.cache
def instance_of(schema: type[Schema]) -> Schema:
    """The one instance of schema that every request shares (making one costs ~0.1 ms; loading
    and dumping keep no state in it)."""
    return schema()


def _summary(schema: type[BodySchema], errors: dict) -> str:
    flat = [msg for messages in errors.values() for msg in _messages(messages)]
    if REQUIRED in flat:
        return schema.required_message
    return flat[0] if flat else "Invalid input"


def _messages(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _messages(value)]
    if isinstance(messages, list):
        return [str(m) for m in messages]
    return [str(messages)]
