"""Passkeys on the 2FA face: add one (options, then the authenticator's answer), list,
rename, remove, and options to answer a step-up with one. Answering a login challenge with one
is in twofa.py."""

from __future__ import annotations

from flask import Blueprint, g

from ..schemas import NewPasskeySchema, PasskeyNameSchema, PasswordWithCodeSchema, load
from ..security.tokens import ACCESS
from ..services.flows import passkeys, step_up
from .common import context, json_body
from .contract import documented
from .guards import token_required
from .limits import per_user, step_up_limit
from .replies import MessageReply, reply
from .step_up import tells_backup_codes_left
from .twofa_replies import (
    PasskeyOptionsReply,
    PasskeyReply,
    PasskeysReply,
    StepUpOptionsReply,
    StepUpReply,
)

bp = Blueprint("passkeys", __name__)


@bp.post("/passkeys/options")
@documented(StepUpOptionsReply, body=PasswordWithCodeSchema, errors=(423,))
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
def creation_options():
    """Options to create a passkey (step-up first; 2FA must be on)."""
    form = load(PasswordWithCodeSchema, json_body())
    options = passkeys.registration_options(g.user, form["password"], form["otp"], context())
    return reply(StepUpOptionsReply, {"public_key": options})


@bp.post("/passkeys/step-up/options")
@documented(PasskeyOptionsReply, errors=(400,))
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(ACCESS)
def step_up_options():
    """Options for a passkey to answer the next step-up with (sent as `passkey` instead of
    `otp`)."""
    return reply(PasskeyOptionsReply, {"public_key": step_up.options(g.user, context())})


@bp.post("/passkeys")
@documented(PasskeyReply, body=NewPasskeySchema, errors=(409,))
@token_required(ACCESS)
def add():
    """Keep the passkey the authenticator created for the options asked for last."""
    form = load(NewPasskeySchema, json_body())
    added = passkeys.add(g.user, form["credential"], form["name"], context())
    return reply(PasskeyReply, {"message": "Passkey added", "passkey": added})


@bp.get("/passkeys")
@documented(PasskeysReply)
@token_required(ACCESS)
def listed():
    """The caller's passkeys, oldest first."""
    return reply(PasskeysReply, {"passkeys": passkeys.listed(g.user)})


@bp.patch("/passkeys/<int:passkey_id>")
@documented(MessageReply, body=PasskeyNameSchema, errors=(404,))
@token_required(ACCESS)
def rename(passkey_id: int):
    """Rename one of the caller's passkeys."""
    name = load(PasskeyNameSchema, json_body())["name"]
    passkeys.rename(g.user, passkey_id, name)
    return reply(MessageReply, {"message": "Passkey renamed"})


@bp.delete("/passkeys/<int:passkey_id>")
@documented(StepUpReply, body=PasswordWithCodeSchema, errors=(404, 423))
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
def remove(passkey_id: int):
    """Remove one of the caller's passkeys (step-up first)."""
    form = load(PasswordWithCodeSchema, json_body())
    passkeys.remove(g.user, passkey_id, form["password"], form["otp"], context())
    return reply(StepUpReply, {"message": "Passkey removed"})
