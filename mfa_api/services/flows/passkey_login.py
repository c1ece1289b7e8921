"""Signing in with a passkey alone (no password): request options, then the assertion, which
answers like a completed login (an access token whose amr is ["passkey", "uv"]).

Only a passkey whose authenticator verified the user, both when it was made and now, signs in
alone; any other still answers a second step after the password (flows/challenge.py).

Who can make a refusal count. Options count nothing. An answer counts toward the second-factor
lock of the passkey's owner only when it could mean an attack: a valid signature whose counter
did not move forward (a copy of the key; the passkey is suspended and the owner mailed). What
only the holder of a key can send but proves no guess (a suspended passkey, one made without
user verification, an answer without it now) is refused with its reason and counted nowhere:
counting it would let whoever holds a copy, or a security key without its PIN, lock the owner
out. Anything an anonymous caller can send (an unknown credential id, one read from options
with a bad signature, a replay, another origin, an account the password login refuses) is
refused alike, "Passkey not accepted", counted nowhere but the per-client rate limit: a
signature is no secret one can guess at, so nothing is lost by not counting it. A locked owner
is answered 423 (once the signature holds).

What options tell. Without an email, nothing. With one, the passkeys that may sign in alone
(made with user verification, not suspended) of that verified account, else decoy credential
ids, the same each time, drawn like real ones (1 to 3 ids, lengths of common authenticators);
both are looked up in one query. As WebAuthn §14.6.3 says of any username-first ceremony, this
cannot hide everything: an account with more passkeys than a decoy list holds, or whose list
changes, is told apart by someone who asks over time. Clients that need no email should send
none (discoverable passkeys).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from ...errors import Unauthorized
from ...security import crypto, tokens
from ...store import passkeys as passkey_rows
from ...store import users
from ...store.ephemeral import single_use
from ...store.passkeys import Passkey
from ...store.users import User
from .. import audit, sessions
from ..context import Context
from ..defence import counters, guarded
from ..defence.guarded import Wrong
from ..factors import ceremonies, passkeys
from ..sessions import AccessGrant

log = logging.getLogger("mfa_api.services.passkey_login")

CEREMONY = "passkey-sign-in:"  # + the options' challenge: the answer names it (clientDataJSON)
ANY = "*"  # options named no email: any discoverable passkey (its userHandle says whose)
NOBODY = "-"  # options for an email with no usable passkey (decoys): no answer matches
MADE_WITHOUT_UV = (
    "This passkey was made without user verification (a PIN or biometric), so it cannot sign "
    "in alone: use it as the second step after your password, or add it again"
)
NOT_VERIFIED = (
    "Passkey not accepted: signing in with a passkey alone needs user verification (a PIN or "
    "biometric) on the authenticator"
)


def options(email: str | None, ctx: Context) -> dict:
    """Request options (user verification required) naming the email's passkeys, decoys when
    it has none usable, or none at all (any discoverable passkey) without an email."""
    ids, named = [], ANY
    if email is not None:
        usable = passkey_rows.signing_in_alone(email)
        named = str(usable[0].user_id) if usable else NOBODY
        ids = [p.credential_id for p in usable] if usable else _decoys(email, ctx)
    public_key, challenge = ceremonies.sign_in_options(ids, ctx)
    expires_at = ctx.now + ctx.settings.challenge_ttl_seconds
    single_use().put(CEREMONY + challenge, named, expires_at, ctx.now)
    return public_key


_DECOY_COUNTS = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3)  # most accounts hold one passkey, some more
_DECOY_LENGTHS = (16, 16, 20, 32, 32, 48, 64, 64)  # bytes: security keys, platform, iCloud


def _decoys(email: str, ctx: Context) -> list[str]:
    """Credential ids (base64url) as an account's might be (see _DECOY_COUNTS and
    _DECOY_LENGTHS), the same for an email each time (so asking again tells nothing)."""
    key = crypto.derive_key(ctx.settings.otp_key, "passkey-decoys")
    seed = hmac.new(key, email.encode(), hashlib.sha256).digest()
    made = []
    for n in range(_DECOY_COUNTS[seed[0] % len(_DECOY_COUNTS)]):
        length = _DECOY_LENGTHS[seed[1 + n] % len(_DECOY_LENGTHS)]
        raw = hmac.new(key, f"{email}|{n}".encode(), hashlib.sha512).digest()[:length]
        made.append(ceremonies.webauthn_lib().helpers.bytes_to_base64url(raw))
    return made


def sign_in(credential: dict, ctx: Context) -> AccessGrant:
    """Check a passkey's answer to sign-in options (used up either way); an access token for
    its owner, counted and answered as a login's second factor once its signature holds."""
    owner, found, signed = _proven(credential, ctx)
    cannot = _cannot_sign_in_alone(found, signed)
    if cannot is not None:  # no guess at anything: told, counted nowhere
        log.info("passkey sign-in refused: %s", cannot)
        raise Unauthorized(cannot)

    def evaluate() -> str | Wrong:
        refusal = passkeys.record_use(owner, found, signed.new_sign_count, ctx)
        return "passkey" if refusal is None else Wrong(owner.id, refusal)

    guarded.check(
        ctx,
        lambda: counters.second_factor_attempt(ctx, owner.email),
        evaluate,
        audit.SECOND_FACTOR_FAILED,
        during="passkey_sign_in",
    )
    audit.record(ctx, owner.id, audit.LOGIN_SUCCEEDED, factor="passkey", passwordless=True)
    return sessions.grant_access(owner, ctx, amr=tokens.PASSKEY_VERIFIED)


def _cannot_sign_in_alone(found: Passkey, signed: ceremonies.Signed) -> str | None:
    """Why a passkey whose signature holds may not sign in alone, or None: suspended as a
    possible copy, made without user verification, or answering without it now. None of these
    is a guess (the flags are stored, a PIN's tries are the authenticator's own), so counting
    them would only let whoever holds a suspended copy or a key without its PIN lock the owner
    out."""
    if found.suspended:
        return passkeys.SUSPENDED
    if not found.user_verified:
        return MADE_WITHOUT_UV
    return None if signed.user_verified else NOT_VERIFIED


# A public key whose private half was thrown away when it was made: an answer that names no
# passkey the options allow is checked against it all the same, so that the time taken does
# not tell a real credential id (options for an email name them) from a decoy.
_NOBODYS = Passkey(
    0,
    0,
    "",
    "pQECAyYgASFYICrE5Swky4oiRVLBlwpKQGDg8UshjQP8teb7LtTjswZXIlgg-9VGoz-6XeNm7D1uu6Ecq0SrGhyt3pBM2azKBTh9XrU",
    0,
    "",
    0,
    None,
)


def _proven(credential: dict, ctx: Context) -> tuple[User, Passkey, ceremonies.Signed]:
    """The owner, the passkey and its valid signature; else 401 Passkey not accepted, counted
    nowhere (nothing yet proves the caller holds the authenticator)."""
    challenge = ceremonies.answered_challenge(credential)
    named = single_use().take(CEREMONY + challenge, ctx.now) if challenge else None
    found = passkeys.claimed_passkey(credential)
    owner = users.find_by_id(found.user_id if found is not None else 0)  # one query either way
    if owner is not None and not owner.is_verified:
        owner = None  # an account the password login refuses (mfa-php's unverified rows)
    if named is None or owner is None or named not in (ANY, str(owner.id)):
        refusal = ceremonies.NOT_ACCEPTED
        if challenge is not None:  # the same work, and the same words, as for a real passkey
            checked = ceremonies.signature(_NOBODYS, challenge, credential, ctx.settings)
            refusal = checked if isinstance(checked, str) else refusal
        log.info("passkey sign-in refused: no options for it, or no such passkey among them")
        raise Unauthorized(refusal)
    signed = ceremonies.signature(found, challenge, credential, ctx.settings)
    if isinstance(signed, str):
        raise Unauthorized(signed)
    if not ceremonies.handle_matches(owner, credential, required=named == ANY):
        log.info("passkey sign-in refused: its userHandle is not its owner's")
        raise Unauthorized(ceremonies.NOT_ACCEPTED)
    return owner, found, signed
