"""A new address (/register) is taken when mfa-php took it: PHPMailer's default check, PHP's
filter_var($email, FILTER_VALIDATE_EMAIL). The tables follow that check's pattern (ext/filter/
logical_filters.c, php_filter_validate_email, without FILTER_FLAG_EMAIL_UNICODE), both ways;
quoting and IP literals, which it takes, are refused on purpose (mfa_api/security/addresses.py).
"""

import pytest

from mfa_api.api.inputs import load
from mfa_api.api.legacy_schemas import LegacyRegisterSchema
from mfa_api.errors import InvalidInput
from mfa_api.security import addresses

LOCAL_64 = "l" * 64
LABEL_63 = "d" * 63
# 64 + 1 + 189 = 254 characters: the longest address filter_var takes (and RFC 5321's path)
LONGEST = f"{LOCAL_64}@{LABEL_63}.{LABEL_63}.{'t' * 61}"
TOO_LONG = f"{LOCAL_64}@{LABEL_63}.{LABEL_63}.{'t' * 62}"  # 255

PHP_TAKES = [
    "it.desk@corp.local",  # an intranet domain: special-use, but filter_var has no such list
    "qa@example.test",
    "dev@app.localhost",
    "nobody@mail.invalid",
    "hidden@service.onion",
    "ops@4.3.2.1.in-addr.arpa",
    "a@b.c",  # a one-letter top-level label
    "first.last@sub.example.com",
    "o'brien+tag@example.co.uk",
    "!#$%&'*+-/=?^_`{|}~@example.com",  # every atext character
    "user@a--b.example",  # inner hyphens, repeated
    "user@1.example.com",  # digits-only labels, but for the last one
    "user@example.c0m",  # a last label beginning with a letter
    "user@xn--mnchen-3ya.de",
    "user@example.xn--p1ai",
    f"{LOCAL_64}@example.com",
    f"user@{LABEL_63}.com",
    LONGEST,
]

PHP_REFUSES = [
    "plainaddress",
    "@example.com",
    "user@",
    "user@localhost",  # no dot: filter_var wants two labels at least
    "user@corp",
    "user@1.2.3.4",  # a last label beginning with a digit
    "user@example.1com",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a@b@example.com",
    "a,b@example.com",
    "a(comment)@example.com",
    "a<b>@example.com",
    "user@-example.com",
    "user@example-.com",
    "user@exam_ple.com",
    "user@example..com",
    "user@example.com.",
    "ädä@example.com",  # beyond ASCII before the @ (no FILTER_FLAG_EMAIL_UNICODE)
    f"l{LOCAL_64}@example.com",  # a 65-character local part
    f"user@d{LABEL_63}.com",  # a 64-character label
    TOO_LONG,
]

PHP_TAKES_REFUSED_HERE = [
    '"quoted"@example.com',  # quoting: where header and command injection hide
    '"a b"@example.com',
    '"a@b"@example.com',
    "user@[127.0.0.1]",  # an IP literal would aim the mail server at a host of the client's choice
    "user@[IPv6:2001:db8::1]",
]


def register(email: str) -> dict:
    body = {"names": "Ann", "email": email, "phone": "250788000001", "password": "Password1"}
    return load(LegacyRegisterSchema, body)


STORED_IN_UNICODE = {
    "user@xn--mnchen-3ya.de": "user@münchen.de",
    "user@example.xn--p1ai": "user@example.рф",
}


@pytest.mark.parametrize("email", PHP_TAKES)
def test_what_mfa_php_took_is_taken(email):
    assert register(email)["email"] == STORED_IN_UNICODE.get(email, email)


def test_the_case_of_an_address_is_dropped():
    assert register("It.Desk@Corp.LOCAL")["email"] == "it.desk@corp.local"


@pytest.mark.parametrize("email", PHP_REFUSES + PHP_TAKES_REFUSED_HERE)
def test_what_mfa_php_refused_is_refused_and_quotes_and_ip_literals_too(email):
    with pytest.raises(InvalidInput) as info:
        register(email)
    assert info.value.message.startswith("Not a valid email address: ")
    assert list(info.value.errors) == ["email"]


@pytest.mark.parametrize(
    ("email", "why"),
    [
        (f"l{LOCAL_64}@example.com", "The part before the @-sign is too long (at most 64"),
        (f"user@d{LABEL_63}.com", "A part of the domain name is too long (at most 63"),
        (TOO_LONG, "The address is too long (at most 254"),
        ('"quoted"@example.com', "A quoted part before the @-sign is not accepted."),
        ("user@[127.0.0.1]", "An IP address literal after the @-sign is not accepted."),
        ("ädä@example.com", "The part before the @-sign must be ASCII"),
        ("user@localhost", "The part after the @-sign must be a domain name with a dot."),
    ],
)
def test_a_refusal_says_why(email, why):
    with pytest.raises(InvalidInput) as info:
        register(email)
    assert info.value.message.startswith(f"Not a valid email address: {why}")


def test_the_lengths_count_the_octets_mail_carries():
    """An internationalised domain is taken in Unicode, as before, and measured as sent."""
    assert register("user@münchen.de")["email"] == "user@münchen.de"
    near = f"{LOCAL_64}@{LABEL_63}.{LABEL_63}.{'d' * 45}.münchen.de"  # xn--mnchen-3ya.de: 17
    assert len(near) < 254 < len(f"{LOCAL_64}@{addresses.ascii_domain(near.split('@')[1])}")
    with pytest.raises(InvalidInput, match="too long"):
        register(near)


@pytest.mark.parametrize(
    ("email", "special"),
    [
        ("it.desk@corp.local", True),
        ("qa@example.test", True),
        ("dev@app.localhost", True),
        ("nobody@mail.invalid", True),
        ("hidden@service.onion", True),
        ("ops@4.3.2.1.in-addr.arpa", True),
        ("user@example.com", False),
        ("user@local.example.com", False),  # a label named local, not the .local name
        ("user@testing.com", False),
    ],
)
def test_special_use_names_are_known(email, special):
    assert addresses.special_use(email) is special
