"""Passkeys (WebAuthn credentials, through py_webauthn) as a second factor: added behind
step-up, listed, renamed, removed behind step-up, and used to answer a login challenge.

Each ceremony's challenge is single-use and short-lived, in the SQL `ephemeral` table whatever
REDIS_URL says (store.ephemeral.single_use: a failover must not bring one back). A signature
counter that does not move forward on a valid signature means
two authenticators may hold one key (WebAuthn §6.1.1): the passkey is suspended for every copy,
the one whose counter jumped ahead included, recorded and mailed once (a clone warning). The
way out is to remove it (step-up with another factor) and add a new one; there is no reinstating,
since no one can tell which copy is the user's. An authenticator that keeps no counter (0 on
both sides) is no clone.
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

from ..config import Settings
from ..db import IntegrityError
from ..errors import Conflict, InvalidInput, NotFound
from ..store import passkeys, users
from ..store.ephemeral import single_use
from ..store.passkeys import Passkey
from ..store.users import User
from . import audit, notifications, step_up
from .context import Context

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

log = logging.getLogger(__name__)

MAX_PER_USER = 10
NAME_MAX = 64
DEFAULT_NAME = "Passkey"
NOT_ACCEPTED = "Passkey not accepted"
TWOFA_OFF = "Turn 2FA on before adding a passkey"
SUSPENDED = (
    "Passkey suspended: its signature counter did not move forward, so a copy of it may exist. "
    "Use another second factor, then remove it and add a new one"
)
_CREDENTIAL_ID = re.compile(r"[A-Za-z0-9_-]{1,1400}")


def _webauthn() -> ModuleType:
    """py_webauthn, loaded at the first ceremony rather than with the service: with pyOpenSSL
    and cbor2 it costs ~5 MB of memory a process, which workers that never see a passkey need
    not pay."""
    import webauthn
    import webauthn.helpers.exceptions
    import webauthn.helpers.structs

    return webauthn


def _malformed() -> tuple[type[Exception], ...]:
    """What a malformed answer raises: the library's WebAuthnException, or Python's own
    exceptions (a missing key, a wrong type deep inside a credential)."""
    refused = _webauthn().helpers.exceptions.WebAuthnException
    return (refused, ValueError, TypeError, KeyError, AttributeError)


def _not_framed(credential: dict) -> None:
    """Raise ValueError when the browser ran the ceremony inside a frame of another origin's
    page (crossOrigin anything but false, or a topOrigin): py_webauthn does not check it."""
    raw = _webauthn().helpers.base64url_to_bytes(credential["response"]["clientDataJSON"])
    client_data = json.loads(raw)
    if client_data.get("crossOrigin", False) is not False or "topOrigin" in client_data:
        raise ValueError(f"ceremony inside a frame of {client_data.get('topOrigin')!r}")


def _wrong_origin(credential: dict, origins: tuple[str, ...]) -> str | None:
    """Why the ceremony's origin is refused (the page it ran on is not in WEBAUTHN_ORIGINS:
    a phishing site, or a server on another host or port than the setting says), or None."""
    try:
        raw = _webauthn().helpers.base64url_to_bytes(credential["response"]["clientDataJSON"])
        origin = json.loads(raw).get("origin")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # malformed: the library's own reason says so
    if origin in origins:
        return None
    return f"the ceremony ran on {origin!r}, not an origin of WEBAUTHN_ORIGINS {list(origins)}"


def _refused(kind: str, exc: Exception, credential: dict, settings: Settings) -> str:
    """Log why a passkey was refused, and say what the answer says: that it was not accepted;
    in development also why, when its origin is the reason."""
    wrong_origin = _wrong_origin(credential, settings.webauthn_origins)
    log.info("passkey %s refused: %s", kind, wrong_origin or exc)
    if wrong_origin and settings.explain_refusals:
        return f"{NOT_ACCEPTED}: {wrong_origin}"
    return NOT_ACCEPTED


def _user_handle(user: User) -> bytes:
    """The user's WebAuthn handle: random, then stored (stable across a change of SECRET_KEY),
    telling nothing of the account."""
    return bytes.fromhex(users.webauthn_handle(user.id, secrets.token_hex(32)))


def _ceremony(key: str, challenge: bytes, ctx: Context) -> None:
    expires_at = ctx.now + ctx.settings.challenge_ttl_seconds
    single_use().put(key, _webauthn().helpers.bytes_to_base64url(challenge), expires_at, ctx.now)


def _take_challenge(key: str, ctx: Context, missing: str) -> bytes:
    stored = single_use().take(key, ctx.now)
    if stored is None:
        raise InvalidInput(missing)
    return _webauthn().helpers.base64url_to_bytes(stored)


def _descriptors(found: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    lib = _webauthn()
    descriptor = lib.helpers.structs.PublicKeyCredentialDescriptor
    return [descriptor(id=lib.helpers.base64url_to_bytes(p.credential_id)) for p in found]


def registration_options(user: User, password: str, code: str | None, ctx: Context) -> dict:
    """Creation options for a new passkey (step-up first; 2FA must be on); the ceremony's
    challenge is kept for CHALLENGE_TTL_SECONDS."""
    if not user.twofa_enabled:
        raise InvalidInput(TWOFA_OFF)
    step_up.require(user, password, code, ctx)
    existing = passkeys.of_user(user.id)
    if len(existing) >= MAX_PER_USER:
        raise InvalidInput(f"At most {MAX_PER_USER} passkeys; remove one first")
    settings, structs = ctx.settings, _webauthn().helpers.structs
    options = _webauthn().generate_registration_options(
        rp_id=settings.webauthn_rp_id,
        rp_name=settings.webauthn_rp_name,
        user_name=user.email,
        user_id=_user_handle(user),
        user_display_name=user.names or user.email,
        timeout=settings.challenge_ttl_seconds * 1000,
        exclude_credentials=_descriptors(existing),
        authenticator_selection=structs.AuthenticatorSelectionCriteria(
            resident_key=structs.ResidentKeyRequirement.DISCOURAGED,
            user_verification=structs.UserVerificationRequirement.DISCOURAGED,
        ),
    )
    _ceremony(f"passkey-add:{user.id}", options.challenge, ctx)
    return _webauthn().helpers.options_to_json_dict(options)


def add(user: User, credential: dict, name: str | None, ctx: Context) -> Passkey:
    """Verify the authenticator's answer to the creation options and keep the credential."""
    if not user.twofa_enabled:  # turned off since the options were given
        single_use().delete(f"passkey-add:{user.id}")
        raise InvalidInput(TWOFA_OFF)
    challenge = _take_challenge(
        f"passkey-add:{user.id}", ctx, "No passkey being added; ask for options first"
    )
    settings = ctx.settings
    # The library's names are looked up outside the try: one it lost must fail loudly, not
    # pass for a refused passkey.
    verify_registration = _webauthn().verify_registration_response
    try:
        verified = verify_registration(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins),
        )
        _not_framed(credential)
    except _malformed() as exc:
        raise InvalidInput(_refused("registration", exc, credential, settings)) from None
    credential_id = _webauthn().helpers.bytes_to_base64url(verified.credential_id)
    public_key = _webauthn().helpers.bytes_to_base64url(verified.credential_public_key)
    name = (name or DEFAULT_NAME)[:NAME_MAX]
    try:
        new_id = passkeys.add(
            user.id, credential_id, public_key, verified.sign_count, name, ctx.now
        )
    except IntegrityError:
        raise Conflict("This passkey is registered already") from None
    audit.record(ctx, user.id, audit.PASSKEY_ADDED, passkey_id=new_id, name=name)
    notifications.send_notice(ctx.mailer, user.email, notifications.PASSKEY_ADDED)
    return Passkey(
        new_id, user.id, credential_id, public_key, verified.sign_count, name, ctx.now, None
    )


def listed(user: User) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    return passkeys.of_user(user.id)


def rename(user: User, passkey_id: int, name: str) -> None:
    """Give one of the user's passkeys a new name (404 when they have none by that id)."""
    if not passkeys.rename(user.id, passkey_id, name[:NAME_MAX]):
        raise NotFound("Passkey not found")


def remove(user: User, passkey_id: int, password: str, code: str | None, ctx: Context) -> None:
    """Remove one of the user's passkeys (step-up first; 404 when they have none by that id)."""
    step_up.require(user, password, code, ctx)
    if not passkeys.remove(user.id, passkey_id):
        raise NotFound("Passkey not found")
    audit.record(ctx, user.id, audit.PASSKEY_REMOVED, passkey_id=passkey_id)
    notifications.send_notice(ctx.mailer, user.email, notifications.PASSKEY_REMOVED)


def assertion_options(user: User, ceremony: str, ctx: Context) -> dict:
    """Request options naming the user's passkeys not suspended, the challenge kept under
    ceremony; 400 when the user has none, or only suspended ones."""
    every = passkeys.of_user(user.id)
    if not every:
        raise InvalidInput("No passkey on this account")
    found = [p for p in every if not p.suspended]
    if not found:
        raise InvalidInput(SUSPENDED)
    options = _webauthn().generate_authentication_options(
        rp_id=ctx.settings.webauthn_rp_id,
        timeout=ctx.settings.challenge_ttl_seconds * 1000,
        allow_credentials=_descriptors(found),
        user_verification=_webauthn().helpers.structs.UserVerificationRequirement.DISCOURAGED,
    )
    _ceremony(ceremony, options.challenge, ctx)
    return _webauthn().helpers.options_to_json_dict(options)


@dataclass
class Assertion:
    """What a passkey answer came to: refused with this message, or not (then None)."""

    refusal: str | None = NOT_ACCEPTED


def use(user: User, ceremony: str, credential: dict, ctx: Context) -> Assertion:
    """Check a passkey's answer to the challenge kept under ceremony (used up either way) and
    record its use; refused when anything is off, suspended when its counter did not move
    forward."""
    outcome = Assertion()
    stored = single_use().take(ceremony, ctx.now)
    found = _credential_of(user, credential)
    if stored is None or found is None:
        return outcome
    settings = ctx.settings
    lib = _webauthn()  # its names looked up outside the try, as in add()
    verify_authentication, from_base64url = (
        lib.verify_authentication_response,
        lib.helpers.base64url_to_bytes,
    )
    try:
        verified = verify_authentication(
            credential=credential,
            expected_challenge=from_base64url(stored),
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins),
            credential_public_key=from_base64url(found.public_key),
            credential_current_sign_count=0,  # compared below, once the signature holds
        )
        _not_framed(credential)
    except _malformed() as exc:
        outcome.refusal = _refused("use", exc, credential, settings)
        return outcome
    new = verified.new_sign_count
    if new == 0 and found.sign_count == 0:  # an authenticator that keeps no counter
        counted = passkeys.count_use_without_counter(found.id, ctx.now)
    else:
        counted = passkeys.count_use(found.id, new, ctx.now)
    outcome.refusal = None if counted else _suspend(user, found, ctx)
    return outcome


def _suspend(user: User, found: Passkey, ctx: Context) -> str:
    """Suspend a passkey whose counter did not move forward (or find it suspended already);
    the one call that suspends it records and mails the clone warning."""
    if passkeys.suspend(found.id, ctx.now):
        audit.record(ctx, user.id, audit.PASSKEY_CLONE_SUSPECTED, passkey_id=found.id)
        notifications.send_notice(ctx.mailer, user.email, notifications.PASSKEY_CLONED)
    return SUSPENDED


def _credential_of(user: User, credential: dict) -> Passkey | None:
    """The user's stored passkey this answer claims to come from."""
    claimed = credential.get("id") if isinstance(credential, dict) else None
    if not isinstance(claimed, str) or not _CREDENTIAL_ID.fullmatch(claimed):
        return None  # never a stored id (base64url); MariaDB's ascii column refuses some
    return passkeys.find(user.id, claimed)
