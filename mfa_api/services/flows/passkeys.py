"""Managing passkeys: added behind step-up (2FA on), listed, renamed, removed behind step-up.

The ceremonies themselves, and the check of an assertion, are factors/passkeys.py's.
"""

from __future__ import annotations

from ...db import IntegrityError
from ...errors import Conflict, InvalidInput, NotFound
from ...store import passkeys as passkey_rows
from ...store.ephemeral import single_use
from ...store.passkeys import Passkey
from ...store.users import User
from .. import audit, notifications
from ..context import Context
from ..factors import ceremonies
from . import step_up

MAX_PER_USER = 10
NAME_MAX = 64
DEFAULT_NAME = "Passkey"
TWOFA_OFF = "Turn 2FA on before adding a passkey"


def registration_options(user: User, password: str, code: str | None, ctx: Context) -> dict:
    """Creation options for a new passkey (step-up first; 2FA must be on); the ceremony's
    challenge is kept for CHALLENGE_TTL_SECONDS."""
    if not user.twofa_enabled:
        raise InvalidInput(TWOFA_OFF)
    step_up.require(user, password, code, ctx)
    existing = passkey_rows.of_user(user.id)
    if len(existing) >= MAX_PER_USER:
        raise InvalidInput(f"At most {MAX_PER_USER} passkeys; remove one first")
    settings, structs = ctx.settings, ceremonies.webauthn_lib().helpers.structs
    options = ceremonies.webauthn_lib().generate_registration_options(
        rp_id=settings.webauthn_rp_id,
        rp_name=settings.webauthn_rp_name,
        user_name=user.email,
        user_id=ceremonies.user_handle(user),
        user_display_name=user.names or user.email,
        timeout=settings.challenge_ttl_seconds * 1000,
        exclude_credentials=ceremonies.descriptors([p.credential_id for p in existing]),
        # Discoverable and user-verified where the authenticator can: such a passkey also
        # signs in alone (flows/passkey_login.py); any other still answers a second step.
        authenticator_selection=structs.AuthenticatorSelectionCriteria(
            resident_key=structs.ResidentKeyRequirement.PREFERRED,
            user_verification=structs.UserVerificationRequirement.PREFERRED,
        ),
    )
    ceremonies.keep_challenge(f"passkey-add:{user.id}", options.challenge, ctx)
    as_json = ceremonies.webauthn_lib().helpers.options_to_json_dict(options)
    return {**as_json, "extensions": {"credProps": True}}  # the browser tells if discoverable


def add(user: User, credential: dict, name: str | None, ctx: Context) -> Passkey:
    """Verify the authenticator's answer to the creation options and keep the credential."""
    if not user.twofa_enabled:  # turned off since the options were given
        single_use().delete(f"passkey-add:{user.id}")
        raise InvalidInput(TWOFA_OFF)
    challenge = ceremonies.take_challenge(
        f"passkey-add:{user.id}", ctx, "No passkey being added; ask for options first"
    )
    settings = ctx.settings
    # The library's names are looked up outside the try: one it lost must fail loudly, not
    # pass for a refused passkey.
    verify_registration = ceremonies.webauthn_lib().verify_registration_response
    try:
        verified = verify_registration(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins),
        )
        ceremonies.not_framed(credential)
    except ceremonies.malformed() as exc:
        why = ceremonies.refusal_message("registration", exc, credential, settings)
        raise InvalidInput(why) from None
    to_base64url = ceremonies.webauthn_lib().helpers.bytes_to_base64url
    credential_id = to_base64url(verified.credential_id)
    public_key = to_base64url(verified.credential_public_key)
    name = (name or DEFAULT_NAME)[:NAME_MAX]
    try:
        new_id = passkey_rows.add(
            user.id,
            credential_id,
            public_key,
            verified.sign_count,
            name,
            ctx.now,
            user_verified=verified.user_verified,
            discoverable=_discoverable(credential),
        )
    except IntegrityError:
        raise Conflict("This passkey is registered already") from None
    audit.record(ctx, user.id, audit.PASSKEY_ADDED, passkey_id=new_id, name=name)
    notifications.send_notice(ctx.mailer, user.email, notifications.PASSKEY_ADDED)
    return passkey_rows.find(user.id, credential_id)


def _discoverable(credential: dict) -> bool | None:
    """Whether the browser said the credential is discoverable (credProps' rk), None when it
    did not say. Unsigned, so only shown to the user: signing in never relies on it."""
    results = credential.get("clientExtensionResults")
    props = results.get("credProps") if isinstance(results, dict) else None
    rk = props.get("rk") if isinstance(props, dict) else None
    return rk if isinstance(rk, bool) else None


def listed(user: User) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    return passkey_rows.of_user(user.id)


def rename(user: User, passkey_id: int, name: str) -> None:
    """Give one of the user's passkeys a new name (404 when they have none by that id)."""
    if not passkey_rows.rename(user.id, passkey_id, name[:NAME_MAX]):
        raise NotFound("Passkey not found")


def remove(user: User, passkey_id: int, password: str, code: str | None, ctx: Context) -> None:
    """Remove one of the user's passkeys (step-up first; 404 when they have none by that id)."""
    step_up.require(user, password, code, ctx)
    if not passkey_rows.remove(user.id, passkey_id):
        raise NotFound("Passkey not found")
    audit.record(ctx, user.id, audit.PASSKEY_REMOVED, passkey_id=passkey_id)
    notifications.send_notice(ctx.mailer, user.email, notifications.PASSKEY_REMOVED)
