"""A phone for SMS codes on the 2FA face: proven by a texted code before any code goes to it."""

from __future__ import annotations

from flask import Blueprint, g

from ..security.tokens import ACCESS
from ..services.flows import phone
from .common import context
from .contract import contract
from .guards import token_required
from .limits import per_user, proved_something, step_up_limit
from .step_up import tells_backup_codes_left
from .twofa_replies import PhoneVerifiedReply, StepUpReply
from .twofa_schemas import PhoneSchema, RequiredCodeSchema

bp = Blueprint("phone", __name__)


@bp.post("/2fa/phone")
@per_user("RATELIMIT_2FA_PHONE", ceiling_spent_by=proved_something)
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
@contract(StepUpReply, body=PhoneSchema, errors=(409, 423))
def start(form):
    """Text a code to a new phone number (step-up first)."""
    phone.start(g.user, form["phone"], form["password"], form["otp"], context())
    return {"message": "A code was texted to the phone; send it to /verify"}


@bp.post("/2fa/phone/verify")
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(ACCESS)
@contract(PhoneVerifiedReply, body=RequiredCodeSchema, errors=(409, 423))
def verify(form):
    """Prove the phone with the texted code; SMS codes may go to it from now on."""
    verified = phone.confirm(g.user, form["otp"], context())
    return {"message": "Phone number verified", "phone": "+" + verified}
