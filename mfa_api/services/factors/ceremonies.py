"""WebAuthn ceremonies through py_webauthn, for every flow that runs one: the library loaded
at the first ceremony, challenges kept single-use, options, an answer's signature checked, and
why an answer is refused. (A passkey as a second factor: passkeys.py; adding and removing one:
flows/passkeys.py; signing in with one alone: flows/passkey_login.py.)

Each ceremony's challenge is single-use and short-lived, in the SQL `ephemeral` table whatever
REDIS_URL says (store.ephemeral.single_use: a failover must not bring one back).
A ceremony run in a frame inside another site's page (clientDataJSON's crossOrigin true) is
refused: the service never embeds its ceremonies, so such an answer was made for someone else.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from ...config import Settings
from ...errors import InvalidInput
from ...store import users
from ...store.ephemeral import single_use
from ...store.passkeys import Passkey
from ...store.users import User
from ..context import Context

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

log = logging.getLogger("mfa_api.services.passkeys")  # the name its log lines carry

NOT_ACCEPTED = "Passkey not accepted"

_CREDENTIAL_ID = re.compile(r"[A-Za-z0-9_-]{1,1400}")


def webauthn_lib() -> ModuleType:
    """py_webauthn, loaded at the first ceremony rather than with the service: with pyOpenSSL
    and cbor2 it costs ~5 MB of memory a process, which workers that never see a passkey need
    not pay."""
    import webauthn
    import webauthn.helpers.exceptions
    import webauthn.helpers.structs

    return webauthn


def malformed() -> tuple[type[Exception], ...]:
    """What a malformed answer raises: the library's WebAuthnException, or Python's own
    exceptions (a missing key, a wrong type deep inside a credential, JSON nested too deep)."""
    refused = webauthn_lib().helpers.exceptions.WebAuthnException
    return (refused, ValueError, TypeError, KeyError, AttributeError, RecursionError)


def not_framed(credential: dict) -> None:
    """Raise ValueError when the browser ran the ceremony inside a frame of another origin's
    page (crossOrigin anything but false, or a topOrigin): py_webauthn does not check it."""
    raw = webauthn_lib().helpers.base64url_to_bytes(credential["response"]["clientDataJSON"])
    client_data = json.loads(raw)
    if client_data.get("crossOrigin", False) is not False or "topOrigin" in client_data:
        raise ValueError(f"ceremony inside a frame of {client_data.get('topOrigin')!r}")


def _wrong_origin(credential: dict, origins: tuple[str, ...]) -> str | None:
    """Why the ceremony's origin is refused (the page it ran on is not in WEBAUTHN_ORIGINS:
    a phishing site, or a server on another host or port than the setting says), or None."""
    try:
        raw = webauthn_lib().helpers.base64url_to_bytes(credential["response"]["clientDataJSON"])
        origin = json.loads(raw).get("origin")
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None  # malformed: the library's own reason says so
    if origin in origins:
        return None
    return f"the ceremony ran on {origin!r}, not an origin of WEBAUTHN_ORIGINS {list(origins)}"


def refusal_message(kind: str, exc: Exception, credential: dict, settings: Settings) -> str:
    """Log why a passkey was refused, and say what the answer says: that it was not accepted;
    in development also why, when its origin is the reason."""
    wrong_origin = _wrong_origin(credential, settings.webauthn_origins)
    log.info("passkey %s refused: %s", kind, wrong_origin or exc)
    if wrong_origin and settings.explain_refusals:
        return f"{NOT_ACCEPTED}: {wrong_origin}"
    return NOT_ACCEPTED


def user_handle(user: User) -> bytes:
    """The user's WebAuthn handle: random, then stored (stable across a change of SECRET_KEY),
    telling nothing of the account."""
    return bytes.fromhex(users.webauthn_handle(user.id, secrets.token_hex(32)))


def keep_challenge(key: str, challenge: bytes, ctx: Context) -> None:
    """Keep a ceremony's challenge under key, single-use, for CHALLENGE_TTL_SECONDS."""
    expires_at = ctx.now + ctx.settings.challenge_ttl_seconds
    single_use().put(key, webauthn_lib().helpers.bytes_to_base64url(challenge), expires_at, ctx.now)


def take_challenge(key: str, ctx: Context, missing: str) -> bytes:
    """Use up the challenge kept under key; 400 saying `missing` when there is none."""
    stored = single_use().take(key, ctx.now)
    if stored is None:
        raise InvalidInput(missing)
    return webauthn_lib().helpers.base64url_to_bytes(stored)


def descriptors(credential_ids: list[str]) -> list[PublicKeyCredentialDescriptor]:
    """The credential ids (base64url) as the credential descriptors options name."""
    lib = webauthn_lib()
    descriptor = lib.helpers.structs.PublicKeyCredentialDescriptor
    return [descriptor(id=lib.helpers.base64url_to_bytes(i)) for i in credential_ids]


@dataclass(frozen=True)
class Signed:
    """An answer whose signature holds: its counter, and whether the user was verified."""

    new_sign_count: int
    user_verified: bool


def signature(
    found: Passkey, challenge: str, credential: dict, settings: Settings, kind: str = "sign-in"
) -> Signed | str:
    """Check an answer against the passkey's public key, the challenge (base64url), the relying
    party and the origins (not framed), user verification aside: Signed, or what a refusal
    says (logged as a refused `kind`)."""
    lib = webauthn_lib()  # its names looked up outside the try, as in flows/passkeys.add()
    verify_authentication, from_base64url = (
        lib.verify_authentication_response,
        lib.helpers.base64url_to_bytes,
    )
    try:
        verified = verify_authentication(
            credential=credential,
            expected_challenge=from_base64url(challenge),
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins),
            credential_public_key=from_base64url(found.public_key),
            credential_current_sign_count=0,  # compared by record_use
        )
        not_framed(credential)
    except malformed() as exc:
        return refusal_message(kind, exc, credential, settings)
    return Signed(verified.new_sign_count, verified.user_verified)


def claimed_id(credential: dict) -> str | None:
    """The credential id an answer claims, when it could be a stored one."""
    claimed = credential.get("id") if isinstance(credential, dict) else None
    if not isinstance(claimed, str) or not _CREDENTIAL_ID.fullmatch(claimed):
        return None  # never a stored id (base64url); MariaDB's ascii column refuses some
    return claimed


_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{16,128}")


def sign_in_options(credential_ids: list[str], ctx: Context) -> tuple[dict, str]:
    """Request options requiring user verification, naming these credential ids (base64url;
    none: any discoverable passkey of this relying party), and their challenge (base64url)."""
    lib = webauthn_lib()
    options = lib.generate_authentication_options(
        rp_id=ctx.settings.webauthn_rp_id,
        timeout=ctx.settings.challenge_ttl_seconds * 1000,
        allow_credentials=descriptors(credential_ids),
        user_verification=lib.helpers.structs.UserVerificationRequirement.REQUIRED,
    )
    as_json = lib.helpers.options_to_json_dict(options)
    return as_json, as_json["challenge"]


def answered_challenge(credential: dict) -> str | None:
    """The challenge (base64url) an answer says it signed, None when it names none that could
    be ours."""
    try:
        raw = webauthn_lib().helpers.base64url_to_bytes(credential["response"]["clientDataJSON"])
        challenge = json.loads(raw).get("challenge")
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None  # RecursionError: JSON nested too deep
    return challenge if isinstance(challenge, str) and _CHALLENGE.fullmatch(challenge) else None


def handle_matches(owner: User, credential: dict, *, required: bool) -> bool:
    """Whether the answer's userHandle is the owner's (WebAuthn §7.2 step 6); an answer with
    none passes unless required (options that named no credential: a discoverable one always
    says whose it is)."""
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if handle is None:
        return not required
    try:
        given = webauthn_lib().helpers.base64url_to_bytes(handle)
    except (ValueError, TypeError, AttributeError):
        return False
    stored = users.webauthn_handle_of(owner.id)  # a check writes nothing: no handle, no match
    return stored is not None and secrets.compare_digest(given, bytes.fromhex(stored))
