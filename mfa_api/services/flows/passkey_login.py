"""Signing in with a passkey alone (no password): request options, then the assertion, which
answers like a completed login (an access token whose amr is ["passkey", "uv"]).

Only a passkey whose authenticator verified the user, both when it was made and now, signs in
alone; any other still answers a second step after the password (flows/challenge.py).

Who can make a refusal count. Options count nothing, and say nothing of whether an email has
an account: an email with no usable passkey gets decoy credential ids, the same each time,
that no answer can match. An answer counts toward the second-factor lock of the passkey's
owner only once its signature holds: only the holder of the authenticator can make one, and
then a refusal (no user verification, a passkey made without it, a counter that did not move
forward) is that holder's, like a wrong code after the password. Anything an anonymous caller
can send (an unknown credential id, one it read from options with a bad signature, a replay,
another origin) is refused unevaluated and counted nowhere but the per-client rate limit: a
signature is no secret one can guess at, so nothing is lost by not counting it, and a stranger
cannot lock the owner out. A locked owner is answered 423 (once the signature holds).
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
        usable = _usable(email)
        named = str(usable[0].user_id) if usable else NOBODY
        ids = [p.credential_id for p in usable] if usable else _decoys(email, ctx)
    public_key, challenge = ceremonies.sign_in_options(ids, ctx)
    expires_at = ctx.now + ctx.settings.challenge_ttl_seconds
    single_use().put(CEREMONY + challenge, named, expires_at, ctx.now)
    return public_key


def _usable(email: str) -> list[Passkey]:
    """The passkeys not suspended of the account with this email (none: no account)."""
    user = users.find_by_email(email)
    return [] if user is None else [p for p in passkey_rows.of_user(user.id) if not p.suspended]


def _decoys(email: str, ctx: Context) -> list[str]:
    """Credential ids (base64url) as an account's might be: one or two, of 16, 32 or 64 bytes,
    the same for an email each time (so asking again tells nothing)."""
    key = crypto.derive_key(ctx.settings.otp_key, "passkey-decoys")
    seed = hmac.new(key, email.encode(), hashlib.sha256).digest()
    length = (16, 32, 64)[seed[1] % 3]
    made = []
    for n in range(1 + seed[0] % 2):
        raw = hmac.new(key, f"{email}|{n}".encode(), hashlib.sha512).digest()[:length]
        made.append(ceremonies.webauthn_lib().helpers.bytes_to_base64url(raw))
    return made


def sign_in(credential: dict, ctx: Context) -> AccessGrant:
    """Check a passkey's answer to sign-in options (used up either way); an access token for
    its owner, counted and answered as a login's second factor once its signature holds."""
    owner, found, signed = _proven(credential, ctx)

    def evaluate() -> str | Wrong:
        if not found.user_verified:
            return Wrong(owner.id, MADE_WITHOUT_UV)
        if not signed.user_verified:
            return Wrong(owner.id, NOT_VERIFIED)
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
    owner = users.find_by_id(found.user_id) if found is not None else None
    if named is None or owner is None or named not in (ANY, str(owner.id)):
        if challenge is not None:
            ceremonies.signature(_NOBODYS, challenge, credential, ctx.settings, kind="sign-in")
        log.info("passkey sign-in refused: no options for it, or no such passkey among them")
        raise Unauthorized(ceremonies.NOT_ACCEPTED)
    signed = ceremonies.signature(found, challenge, credential, ctx.settings)
    if isinstance(signed, str):
        raise Unauthorized(signed)
    if not ceremonies.handle_matches(owner, credential, required=named == ANY):
        log.info("passkey sign-in refused: its userHandle is not its owner's")
        raise Unauthorized(ceremonies.NOT_ACCEPTED)
    return owner, found, signed
