"""A phone for SMS codes on the 2FA face: proven by a texted code before any code goes to it."""

from __future__ import annotations

from flask import Blueprint, g

from ..schemas import PhoneSchema, RequiredCodeSchema, load
from ..security.tokens import ACCESS
from ..services.flows import phone
from .common import context, json_body
from .contract import documented
from .guards import token_required
from .limits import per_user, proved_something, step_up_limit
from .replies import reply
from .step_up import tells_backup_codes_left
from .twofa_replies import PhoneVerifiedReply, StepUpReply

bp = Blueprint("phone", __name__)


@bp.post("/2fa/phone")
@documented(StepUpReply, body=PhoneSchema, errors=(409, 423))
@per_user("RATELIMIT_2FA_PHONE", ceiling_spent_by=proved_something)
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
def start():
    """Text a code to a new phone number (step-up first)."""
    form = load(PhoneSchema, json_body())
    phone.start(g.user, form["phone"], form["password"], form["otp"], context())
    message = "A code was texted to the phone; send it to /verify"
    return reply(StepUpReply, {"message": message})


@bp.post("/2fa/phone/verify")
@documented(PhoneVerifiedReply, body=RequiredCodeSchema, errors=(409, 423))
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(ACCESS)
def verify():
    """Prove the phone with the texted code; SMS codes may go to it from now on."""
    code = load(RequiredCodeSchema, json_body())["otp"]
    verified = phone.confirm(g.user, code, context())
    return reply(PhoneVerifiedReply, {"message": "Phone number verified", "phone": "+" + verified})
