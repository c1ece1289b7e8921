"""The mfa-php face's request bodies, with mfa-php's own field names and messages."""

from __future__ import annotations

from marshmallow import fields, validate

from .inputs import BodySchema, Code, EmailAddress, Password, Phone, Text


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
