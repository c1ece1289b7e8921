"""Request bodies: one marshmallow schema each, and one way to load them into a clear 400."""

from __future__ import annotations

import functools
import re
import unicodedata

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from .errors import InvalidInput
from .security import addresses, otp
from .security.passwords import MAX_PASSWORD_BYTES, is_blank

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


def canonical_email(value: str) -> str:
    """An email as the service stores and compares it: trimmed and lower-cased."""
    return value.strip().lower()


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


class LegacyRegisterSchema(BodySchema):
    required_message = "All fields are required"
    names = Text(required=True, validate=validate.Length(max=255))
    email = EmailAddress(strict=True, required=True)
    phone = Phone(required=True)
    password = Password(new=True, required=True)


class LegacyLoginSchema(BodySchema):
    required_message = "Email and password are required"
    email = EmailAddress(required=True)
    password = Password(required=True)


class LegacyVerifySchema(BodySchema):
    required_message = "Email, OTP and authentication code are required"
    email = EmailAddress(required=True)
    email_otp = Code(required=True)
    auth_code = Code(load_default=None)
    type = fields.String(
        load_default=None,
        validate=validate.OneOf(["register", "login"], error="Invalid verification type"),
    )


def _remember() -> fields.Boolean:
    return fields.Boolean(
        load_default=False,
        truthy={True},
        falsy={False},
        metadata={
            "description": "true: also answer a deviceToken that skips the second step at "
            "this client's next logins (REMEMBER_DEVICE_DAYS)."
        },
    )


class TwoFaLoginSchema(BodySchema):
    required_message = "Email and password are required"
    email = EmailAddress(required=True)
    password = Password(required=True)
    device_token = fields.String(
        data_key="deviceToken",
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=128),
        metadata={"description": "A remembered device's token: no second step while it answers."},
    )


class CodeBodySchema(BodySchema):
    """`otp` and `code` are synonyms (seed clients send either)."""

    @pre_load
    def code_is_otp(self, data, **_):
        """Read `code` as `otp` when only `code` is sent."""
        if isinstance(data, dict) and "otp" not in data and "code" in data:
            data = {**data, "otp": data["code"]}
        return data


class RequiredCodeSchema(CodeBodySchema):
    required_message = "A 6-digit code (otp) is required"
    otp = Code(required=True)


class ChallengeCodeSchema(RequiredCodeSchema):
    """A code for /2fa/verify; with a challenge, the client may ask to be remembered."""

    remember = _remember()


class OptionalCodeSchema(CodeBodySchema):
    otp = Code(load_default=None)


class RecoverSchema(BodySchema):
    required_message = "A backup code is required"
    backup_code = Text(required=True, validate=validate.Length(max=64))
    remember = _remember()


class ResendSchema(BodySchema):
    channel = fields.String(
        load_default="email",
        validate=validate.OneOf(["email", "sms"], error="channel is email or sms"),
    )


class StepUpSchema(CodeBodySchema):
    """A step-up's second factor: `otp` (a TOTP or a backup code) or `passkey` (an assertion
    answering /passkeys/step-up/options), handed on as `otp` either way."""

    otp = SecondFactorCode(load_default=None)
    passkey = fields.Dict(
        load_default=None,
        metadata={
            "description": "Instead of otp: a passkey's answer (PublicKeyCredential JSON) to "
            "the options of POST /api/auth/passkeys/step-up/options."
        },
    )

    @post_load
    def passkey_as_second_factor(self, data, **_):
        """The passkey's assertion stands in for a missing otp."""
        passkey = data.pop("passkey", None)
        if data.get("otp") is None and passkey is not None:
            data["otp"] = passkey
        return data


class PasswordWithCodeSchema(StepUpSchema):
    """Step-up: the password, and (with 2FA on) a TOTP, a backup code or a passkey."""

    required_message = "Password is required"
    password = Password(required=True)


class EnableSchema(CodeBodySchema):
    """The password, and the pending secret's code unless /2fa/verify confirmed it."""

    required_message = "Password is required"
    password = Password(required=True)
    otp = Code(load_default=None)


class ChangePasswordSchema(StepUpSchema):
    required_message = "current_password and new_password are required"
    current_password = Password(required=True)
    new_password = Password(new=True, required=True)


class PhoneSchema(PasswordWithCodeSchema):
    required_message = "phone and password are required"
    phone = Phone(required=True)


class UnlockSchema(BodySchema):
    required_message = "The unlock token is required"
    token = Text(required=True, validate=validate.Length(max=200))


def _credential() -> fields.Dict:
    return fields.Dict(
        required=True,
        metadata={
            "description": "The PublicKeyCredential the browser's navigator.credentials call "
            "gave, as JSON (PublicKeyCredential.toJSON(): id, rawId, type, response with "
            "base64url fields)."
        },
    )


def _passkey_name(**kwargs) -> Text:
    return Text(validate=validate.Length(max=64), metadata={"example": "YubiKey 5C"}, **kwargs)


class NewPasskeySchema(BodySchema):
    required_message = "credential is required"
    credential = _credential()
    name = _passkey_name(load_default=None)


class PasskeyAnswerSchema(BodySchema):
    required_message = "credential is required"
    credential = _credential()
    remember = _remember()


class PasskeySignInOptionsSchema(BodySchema):
    email = EmailAddress(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Optional: name this account's passkeys (for those that are not "
            "discoverable). Without it, any discoverable passkey may answer."
        },
    )


class PasskeySignInSchema(BodySchema):
    required_message = "credential is required"
    credential = _credential()


class PasskeyNameSchema(BodySchema):
    required_message = "name is required"
    name = _passkey_name(required=True)


class LogoutSchema(BodySchema):
    everywhere = fields.Boolean(
        load_default=False,
        truthy={True},
        falsy={False},
        metadata={
            "description": "true: every token of the account stops working, and every "
            "remembered device is forgotten."
        },
    )


class EventsQuerySchema(BodySchema):
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="limit is 1 to 200")
    )


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
