"""Passkeys (WebAuthn credentials) as a second factor: request options naming the user's
passkeys, and an assertion checked (ceremonies.py) to answer a login challenge or a step-up.
(Adding, listing, renaming and removing them: flows/passkeys.py.)

A signature counter that does not move forward on a valid signature means two authenticators
may hold one key (WebAuthn §6.1.1): the passkey is suspended for every copy, the one whose
counter jumped ahead included, recorded and mailed once (a clone warning). The way out is to
remove it (step-up with another factor) and add a new one; there is no reinstating, since no
one can tell which copy is the user's. An authenticator that keeps no counter (0 on both sides)
is no clone.
"""

from __future__ import annotations

from ...errors import InvalidInput
from ...store import passkeys as passkey_rows
from ...store.ephemeral import single_use
from ...store.passkeys import Passkey
from ...store.users import User
from .. import audit, notifications
from ..context import Context
from .ceremonies import (
    NOT_ACCEPTED,
    claimed_id,
    descriptors,
    keep_challenge,
    signature,
    webauthn_lib,
)
from .factor import Outcome, accepted, refused

SUSPENDED = (
    "Passkey suspended: its signature counter did not move forward, so a copy of it may exist. "
    "Use another second factor, then remove it and add a new one"
)


def assertion_options(user: User, ceremony: str, ctx: Context) -> dict:
    """Request options naming the user's passkeys not suspended, the challenge kept under
    ceremony; 400 when the user has none, or only suspended ones."""
    every = passkey_rows.of_user(user.id)
    if not every:
        raise InvalidInput("No passkey on this account")
    found = [p for p in every if not p.suspended]
    if not found:
        raise InvalidInput(SUSPENDED)
    options = webauthn_lib().generate_authentication_options(
        rp_id=ctx.settings.webauthn_rp_id,
        timeout=ctx.settings.challenge_ttl_seconds * 1000,
        allow_credentials=descriptors([p.credential_id for p in found]),
        user_verification=webauthn_lib().helpers.structs.UserVerificationRequirement.DISCOURAGED,
    )
    keep_challenge(ceremony, options.challenge, ctx)
    return webauthn_lib().helpers.options_to_json_dict(options)


def ceremony(user: User, challenge: str | None) -> str:
    """The key an assertion's challenge is kept under: that of a login's challenge (its jti),
    else the user's step-up."""
    return f"passkey-login:{challenge}" if challenge is not None else f"passkey-step-up:{user.id}"


def record_use(user: User, found: Passkey, new: int, ctx: Context) -> str | None:
    """Record a use of the passkey whose valid signature came with counter `new`: None, or
    SUSPENDED when the counter did not move forward (the clone rule, once per passkey)."""
    if new == 0 and found.sign_count == 0:  # an authenticator that keeps no counter
        counted = passkey_rows.count_use_without_counter(found.id, ctx.now)
    else:
        counted = passkey_rows.count_use(found.id, new, ctx.now)
    return None if counted else _suspend(user, found, ctx)


class PasskeyAssertion:
    """A passkey's answer (PublicKeyCredential JSON) to the options asked for a login's
    challenge or a step-up (assertion_options, under ceremony())."""

    name = "passkey"

    def takes(self, answer: object, challenge: str | None) -> bool:
        """A credential's JSON (an object)."""
        return isinstance(answer, dict)

    def use(self, user: User, answer: object, ctx: Context, challenge: str | None) -> Outcome:
        """Check the answer to the challenge kept under ceremony() (used up either way) and
        record its use; refused when anything is off, suspended when its counter did not move
        forward."""
        stored = single_use().take(ceremony(user, challenge), ctx.now)
        found = _credential_of(user, answer)
        if stored is None or found is None:
            return refused(NOT_ACCEPTED)
        signed = signature(found, stored, answer, ctx.settings, kind="use")
        if isinstance(signed, str):
            return refused(signed)
        suspended = record_use(user, found, signed.new_sign_count, ctx)
        return accepted(self.name) if suspended is None else refused(suspended)


ASSERTION = PasskeyAssertion()


def _suspend(user: User, found: Passkey, ctx: Context) -> str:
    """Suspend a passkey whose counter did not move forward (or find it suspended already);
    the one call that suspends it records and mails the clone warning."""
    if passkey_rows.suspend(found.id, ctx.now):
        audit.record(ctx, user.id, audit.PASSKEY_CLONE_SUSPECTED, passkey_id=found.id)
        notifications.send_notice(ctx.mailer, user.email, notifications.PASSKEY_CLONED)
    return SUSPENDED


def _credential_of(user: User, credential: dict) -> Passkey | None:
    """The user's stored passkey this answer claims to come from."""
    claimed = claimed_id(credential)
    return None if claimed is None else passkey_rows.find(user.id, claimed)


def claimed_passkey(credential: dict) -> Passkey | None:
    """The stored passkey, whoever's, this answer claims to come from."""
    claimed = claimed_id(credential)
    return None if claimed is None else passkey_rows.find_any(claimed)
