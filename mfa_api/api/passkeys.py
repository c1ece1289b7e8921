"""Passkeys on the 2FA face: add one (options, then the authenticator's answer), list,
rename, remove, and options to answer a step-up with one. Answering a login challenge with one
is in twofa.py."""

from __future__ import annotations

from flask import Blueprint, g

from ..security.tokens import ACCESS
from ..services.flows import passkeys, step_up
from .common import context
from .contract import contract
from .guards import token_required
from .limits import per_user, step_up_limit
from .replies import MessageReply
from .step_up import tells_backup_codes_left
from .twofa_replies import (
    PasskeyOptionsReply,
    PasskeyReply,
    PasskeysReply,
    StepUpOptionsReply,
    StepUpReply,
)
from .twofa_schemas import NewPasskeySchema, PasskeyNameSchema, PasswordWithCodeSchema

bp = Blueprint("passkeys", __name__)


@bp.post("/passkeys/options")
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
@contract(StepUpOptionsReply, body=PasswordWithCodeSchema, errors=(423,))
def creation_options(form):
    """Options to create a passkey (step-up first; 2FA must be on)."""
    options = passkeys.registration_options(g.user, form["password"], form["otp"], context())
    return {"public_key": options}


@bp.post("/passkeys/step-up/options")
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(ACCESS)
@contract(PasskeyOptionsReply, errors=(400,))
def step_up_options():
    """Options for a passkey to answer the next step-up with (sent as `passkey` instead of
    `otp`)."""
    return {"public_key": step_up.options(g.user, context())}


@bp.post("/passkeys")
@token_required(ACCESS)
@contract(PasskeyReply, body=NewPasskeySchema, errors=(409,))
def add(form):
    """Keep the passkey the authenticator created for the options asked for last."""
    added = passkeys.add(g.user, form["credential"], form["name"], context())
    return {"message": "Passkey added", "passkey": added}


@bp.get("/passkeys")
@token_required(ACCESS)
@contract(PasskeysReply)
def listed():
    """The caller's passkeys, oldest first."""
    return {"passkeys": passkeys.listed(g.user)}


@bp.patch("/passkeys/<int:passkey_id>")
@token_required(ACCESS)
@contract(MessageReply, body=PasskeyNameSchema, errors=(404,))
def rename(form, passkey_id: int):
    """Rename one of the caller's passkeys."""
    passkeys.rename(g.user, passkey_id, form["name"])
    return {"message": "Passkey renamed"}


@bp.delete("/passkeys/<int:passkey_id>")
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
@contract(StepUpReply, body=PasswordWithCodeSchema, errors=(404, 423))
def remove(form, passkey_id: int):
    """Remove one of the caller's passkeys (step-up first)."""
    passkeys.remove(g.user, passkey_id, form["password"], form["otp"], context())
    return {"message": "Passkey removed"}
