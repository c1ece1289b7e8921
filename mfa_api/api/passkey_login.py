"""Signing in with a passkey alone, on the 2FA face: request options (no token), then the
assertion, answered like a completed login. No token is needed, so each route is limited per
client IP (RATELIMIT_PASSKEY_LOGIN)."""

from __future__ import annotations

from flask import Blueprint

from ..schemas import PasskeySignInOptionsSchema, PasskeySignInSchema, load
from ..services.flows import passkey_login
from .common import context, json_body
from .contract import documented
from .limits import per_ip
from .replies import reply
from .twofa_replies import PasskeyOptionsReply, PasskeySignedInReply

bp = Blueprint("passkey_login", __name__)


@bp.post("/passkey-login/options")
@documented(PasskeyOptionsReply, body=PasskeySignInOptionsSchema, body_optional=True)
@per_ip("RATELIMIT_PASSKEY_LOGIN")
def options():
    """Request options to sign in with a passkey alone (user verification required)."""
    email = load(PasskeySignInOptionsSchema, json_body(optional=True))["email"]
    return reply(PasskeyOptionsReply, {"public_key": passkey_login.options(email, context())})


@bp.post("/passkey-login")
@documented(PasskeySignedInReply, body=PasskeySignInSchema, errors=(401, 423))
@per_ip("RATELIMIT_PASSKEY_LOGIN")
def sign_in():
    """Sign in with a passkey's answer to those options: an access token."""
    credential = load(PasskeySignInSchema, json_body())["credential"]
    access = passkey_login.sign_in(credential, context())
    return reply(PasskeySignedInReply, {"message": "Signed in with a passkey", "access": access})
