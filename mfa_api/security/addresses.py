"""What a new email address may be: what mfa-php took, less what can do harm.

mfa-php took any address PHPMailer's default check took, which is PHP's
filter_var($email, FILTER_VALIDATE_EMAIL) (ext/filter/logical_filters.c,
php_filter_validate_email): a local part of dot-atoms or quoted strings, at most 64
characters; then a domain name of at least two labels (letters, digits, inner hyphens, at most
63 each) whose last one begins with a letter (or is xn--), or an IP literal; at most 254
characters in all. It has no list of special-use names: `it.desk@corp.local` and
`qa@example.test` are users of mfa-php's clients, and are taken here too.

Two things it takes are refused here, for the harm they can do: a quoted local part (quotes,
backslashes, spaces and @ inside an address are where header and SMTP command injection
hide) and an IP literal (it would let any client aim the mail server at a host of its choice,
internal ones included). A local part beyond ASCII cannot be mailed without SMTPUTF8, so it is
refused too (as PHP refuses it). A domain beyond ASCII is taken when its ASCII (punycode)
form passes, as PHPMailer sends it, and stored in Unicode however typed. The lengths are
RFC 5321's (4.5.3.1), in octets of the form sent: local part 64, domain 255, the whole
path 254.
"""

from __future__ import annotations

import re

import idna
from email_validator import SPECIAL_USE_DOMAIN_NAMES

MAX_LOCAL_PART = 64
MAX_DOMAIN = 255
MAX_ADDRESS = 254
MAX_LABEL = 63

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"  # RFC 5322 atext
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*", re.ASCII | re.IGNORECASE)
_LABEL = re.compile(r"[a-z0-9]+(?:-+[a-z0-9]+)*", re.ASCII | re.IGNORECASE)
_TOP_LABEL = re.compile(r"(?:[a-z][a-z0-9]*|xn--[a-z0-9]+)(?:-+[a-z0-9]+)*", re.ASCII | re.I)

SPECIAL_USE = (
    "The part after the @-sign is a special-use or reserved name that cannot be used with email."
)


def canonical_email(value: str) -> str:
    """An email as the service stores and compares it: trimmed and lower-cased."""
    return value.strip().lower()


def problem(address: str) -> tuple[str | None, str]:
    """(why address cannot be a new address, or None; the address as stored: its domain in
    Unicode when it has an internationalised one)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "An email address must have an @-sign.", address
    why = _local_problem(local)
    if why is None:
        why, domain = _domain_problem(domain)
    if why is None and len(f"{local}@{ascii_domain(domain)}") > MAX_ADDRESS:
        why = f"The address is too long (at most {MAX_ADDRESS} characters)."
    return why, f"{local}@{domain}"


def _local_problem(local: str) -> str | None:
    if not local:
        return "There must be something before the @-sign."
    if '"' in local or "\\" in local:
        return "A quoted part before the @-sign is not accepted."
    if not local.isascii():
        return "The part before the @-sign must be ASCII (mail here has no SMTPUTF8)."
    if not _DOT_ATOM.fullmatch(local):
        return (
            "The part before the @-sign may have letters, digits and !#$%&'*+/=?^_`{|}~- "
            "between single dots."
        )
    if len(local) > MAX_LOCAL_PART:
        return f"The part before the @-sign is too long (at most {MAX_LOCAL_PART} characters)."
    return None


def _domain_problem(domain: str) -> tuple[str | None, str]:
    """(why the domain is refused, or None; the domain as stored)."""
    if domain.startswith("["):
        return "An IP address literal after the @-sign is not accepted.", domain
    if not domain.isascii() or "xn--" in domain:
        try:  # stored in Unicode, however typed, as email-validator stored it before
            domain = idna.decode(idna.encode(domain, uts46=True))
        except (idna.IDNAError, UnicodeError) as exc:
            if not domain.isascii():
                return f"The domain name is not valid: {exc}.", domain
    sent = ascii_domain(domain)
    labels = sent.split(".")
    if len(labels) < 2:
        return "The part after the @-sign must be a domain name with a dot.", domain
    if not all(_LABEL.fullmatch(label) for label in labels):
        return (
            "The part after the @-sign may have letters, digits and inner hyphens between "
            "single dots.",
            domain,
        )
    if any(len(label) > MAX_LABEL for label in labels):
        return f"A part of the domain name is too long (at most {MAX_LABEL} characters).", domain
    if not _TOP_LABEL.fullmatch(labels[-1]):
        return "The last part of the domain name must begin with a letter.", domain
    if len(sent) > MAX_DOMAIN:
        return f"The domain name is too long (at most {MAX_DOMAIN} characters).", domain
    return None, domain


def ascii_domain(domain: str) -> str:
    """The domain as SMTP carries it: an internationalised one in its ASCII (punycode) form."""
    return domain if domain.isascii() else idna.encode(domain, uts46=True).decode("ascii")


def special_use(address: str) -> bool:
    """Whether the address's domain is a special-use or reserved name (RFC 6761 and others:
    .local, .test, .localhost, .invalid, .onion, .arpa), as email-validator lists them."""
    domain = ascii_domain(address.rpartition("@")[2]).lower()
    return any(domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAIN_NAMES)
