"""Signing in with a passkey alone, on the 2FA face: request options (no token), then the
assertion, answered like a completed login. No token is needed, so each route is limited per
client IP (RATELIMIT_PASSKEY_LOGIN)."""

from __future__ import annotations

from flask import Blueprint

from ..services.flows import passkey_login
from .common import context
from .contract import contract
from .limits import per_ip
from .twofa_replies import PasskeyOptionsReply, PasskeySignedInReply
from .twofa_schemas import PasskeySignInOptionsSchema, PasskeySignInSchema

bp = Blueprint("passkey_login", __name__)


@bp.post("/passkey-login/options")
@per_ip("RATELIMIT_PASSKEY_LOGIN")
@contract(PasskeyOptionsReply, body=PasskeySignInOptionsSchema, body_optional=True)
def options(form):
    """Request options to sign in with a passkey alone (user verification required)."""
    return {"public_key": passkey_login.options(form["email"], context())}


@bp.post("/passkey-login")
@per_ip("RATELIMIT_PASSKEY_LOGIN")
@contract(PasskeySignedInReply, body=PasskeySignInSchema, errors=(401, 423))
def sign_in(form):
    """Sign in with a passkey's answer to those options: an access token."""
    access = passkey_login.sign_in(form["credential"], context())
    return {"message": "Signed in with a passkey", "access": access}
