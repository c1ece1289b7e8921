"""The 2FA face's request bodies (/api/auth, and the admin face's events query)."""

from __future__ import annotations

from marshmallow import fields, post_load, pre_load, validate

from .inputs import BodySchema, Code, EmailAddress, Password, Phone, SecondFactorCode, Text


def _flag(description: str) -> fields.Boolean:
    """A switch: JSON's true or false (nothing else), false when absent."""
    return fields.Boolean(
        load_default=False, truthy={True}, falsy={False}, metadata={"description": description}
    )


def _remember() -> fields.Boolean:
    return _flag(
        "true: also answer a deviceToken that skips the second step at this client's next "
        "logins (REMEMBER_DEVICE_DAYS)."
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
    everywhere = _flag(
        "true: every token of the account stops working, and every remembered device is forgotten."
    )


class EventsQuerySchema(BodySchema):
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="limit is 1 to 200")
    )
