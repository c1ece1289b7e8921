"""The mfa-php face's response bodies, as mfa-php's clients read them."""

from __future__ import annotations

from marshmallow import Schema, fields

from .replies import MessageReply


class RegisterData(Schema):
    email = fields.String(required=True)
    secret = fields.String(required=True, metadata={"description": "The TOTP secret (base32)."})
    image_url = fields.String(
        required=True,
        attribute="otpauth_uri",
        data_key="imageUrl",
        metadata={"description": "The otpauth:// URI an authenticator app reads."},
    )
    qr_code = fields.String(
        required=True,
        attribute="qr_png_data_uri",
        data_key="qrCode",
        metadata={"description": "The same URI as a QR code: a data:image/png;base64 URI."},
    )


class RegisterReply(MessageReply):
    """Registration started: the code was mailed; the TOTP secret and its QR code."""

    data = fields.Nested(RegisterData, required=True)


class EmailData(Schema):
    email = fields.String(required=True)


class LoginReply(MessageReply):
    """Password right: a login code was mailed."""

    data = fields.Nested(EmailData, required=True)


class VerifiedRegistrationReply(MessageReply):
    """The sign-up is verified: the account exists."""

    data = fields.Nested(EmailData, required=True)


class TokenData(Schema):
    token = fields.String(required=True, metadata={"description": "An access token (JWT)."})
    email = fields.String(required=True)


class VerifiedLoginReply(MessageReply):
    """The login is verified: an access token, as for the 2FA face."""

    data = fields.Nested(TokenData, required=True)


class LegacyError(Schema):
    """Every error of the mfa-php face: `error` as mfa-php sent it, plus `success: false`."""

    success = fields.Constant(False, required=True)
    error = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Messages per field of the body."})


class EndpointNotFoundError(Schema):
    """mfa-php's index.php answer to an unknown endpoint, kept as it was."""

    status = fields.Constant("error", required=True)
    message = fields.String(required=True)
