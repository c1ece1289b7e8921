"""Request bodies: what is accepted, what becomes a 400 and with which message."""

import pytest

from mfa_api.api.inputs import load
from mfa_api.api.legacy_schemas import LegacyLoginSchema, LegacyRegisterSchema, LegacyVerifySchema
from mfa_api.errors import InvalidInput

REGISTER = {"names": "Ann", "email": "a@example.com", "phone": "0788", "password": "Password1"}


def test_register_normalises_email_and_phone():
    form = load(
        LegacyRegisterSchema,
        {**REGISTER, "email": "  Ann@Example.COM ", "phone": "+250 (788) 123-456", "x": 1},
    )
    assert form == {
        "names": "Ann",
        "email": "ann@example.com",
        "phone": "250788123456",
        "password": "Password1",
    }


def test_register_accepts_a_numeric_phone():
    assert load(LegacyRegisterSchema, {**REGISTER, "phone": 250788123456})["phone"] == (
        "250788123456"
    )


BLANKS = [
    (field, value)
    for field in ["names", "email", "phone", "password"]
    for value in [None, "", "   ", "MISSING"]
    if not (field == "password" and value == "   ")  # spaces are a (short) password, not blank
]


@pytest.mark.parametrize(("field", "value"), BLANKS)
def test_register_missing_or_blank_field_says_all_fields_are_required(field, value):
    body = {**REGISTER, "phone": "250788123456"}
    if value == "MISSING":
        del body[field]
    else:
        body[field] = value
    with pytest.raises(InvalidInput) as info:
        load(LegacyRegisterSchema, body)
    assert info.value.message == "All fields are required"
    assert field in info.value.errors


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "Not a valid email address: An email address must have"),
        ({"email": '"quoted"@example.com'}, "Not a valid email address: A quoted part"),
        ({"email": "user@[127.0.0.1]"}, "Not a valid email address: An IP address"),
        ({"email": "postmaster@localhost"}, "Not a valid email address: The part after"),
        ({"email": "ädä@example.com"}, "Not a valid email address: The part before"),
        ({"email": "a\x0bb@example.com"}, "Not a valid string."),
        ({"email": "a\udc00@example.com"}, "Not a valid string."),
        ({"names": "Eve\r\nBcc: x@example.com"}, "Not a valid string."),
        ({"password": "pass\x00word-long"}, "Not a valid string."),
        ({"password": "\udc00" * 9}, "Not a valid string."),
        ({"password": " " * 9}, "Password cannot be only spaces or invisible characters."),
        ({"password": "\u200b" * 9}, "Password cannot be only spaces or invisible characters."),
        ({"password": "\x01" * 9}, "Password cannot be only spaces or invisible characters."),
        ({"password": "short1"}, "Password must be at least 8 characters."),
        ({"password": "é" * 37}, "Password must be at most 72 bytes."),
        ({"phone": "12345"}, "A phone number has 6 to 20 digits."),
        ({"phone": "1" * 21}, "A phone number has 6 to 20 digits."),
        ({"names": 5}, "Not a valid string."),
        ({"names": "n" * 256}, "Longer than maximum length 256."),
    ],
)
def test_register_bad_values_say_what_is_wrong(changes, message):
    with pytest.raises(InvalidInput) as info:
        load(LegacyRegisterSchema, {**REGISTER, "phone": "250788123456", **changes})
    assert info.value.message.startswith(message.split(" 256")[0])


def test_password_of_exactly_72_bytes_is_accepted_and_never_trimmed():
    password = " " + "p" * 70 + " "
    form = load(LegacyRegisterSchema, {**REGISTER, "phone": "250788", "password": password})
    assert form["password"] == password


def test_login_requires_both_fields_with_mfa_php_message():
    with pytest.raises(InvalidInput) as info:
        load(LegacyLoginSchema, {"email": "a@b.c"})
    assert info.value.message == "Email and password are required"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("123456", "123456"), (" 123 456 ", "123456"), (123456, "123456"), (12345, "012345")],
)
def test_codes_accept_strings_and_numbers(given, expected):
    form = load(LegacyVerifySchema, {"email": "a@b.c", "email_otp": given})
    assert form["email_otp"] == expected
    assert form["auth_code"] is None
    assert form["type"] is None


@pytest.mark.parametrize("bad", ["12345", "1234567", "12a456", 1234567, -1, True, 1.5, []])
def test_codes_that_are_not_six_digits_are_a_400(bad):
    with pytest.raises(InvalidInput) as info:
        load(LegacyVerifySchema, {"email": "a@b.c", "email_otp": "123456", "auth_code": bad})
    assert info.value.message == "A code is exactly 6 digits."


def test_verify_type_must_be_register_or_login():
    with pytest.raises(InvalidInput) as info:
        load(LegacyVerifySchema, {"email": "a@b.c", "email_otp": "123456", "type": "other"})
    assert info.value.message == "Invalid verification type"
