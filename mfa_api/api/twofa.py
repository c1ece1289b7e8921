"""The 2FA face: login with a second step, enrolment, verification, backup codes, recovery."""

from __future__ import annotations

from flask import Blueprint, g

from ..security.tokens import ACCESS, CHALLENGE
from ..services.factors import backup
from ..services.flows import challenge, enrolment
from .common import context
from .contract import contract
from .guards import token_required
from .limits import password_limit, per_ip_and_email, per_user, proved_something, step_up_limit
from .replies import MessageReply
from .step_up import tells_backup_codes_left
from .twofa_replies import (
    AccessReply,
    BackupCodesLeftReply,
    ChallengeReply,
    LoggedInReply,
    NewBackupCodesReply,
    PasskeyOptionsReply,
    RecoveredReply,
    SetupReply,
    StepUpAccessReply,
    VerifiedReply,
)
from .twofa_schemas import (
    ChallengeCodeSchema,
    EnableSchema,
    PasskeyAnswerSchema,
    PasswordWithCodeSchema,
    RecoverSchema,
    ResendSchema,
    TwoFaLoginSchema,
)

bp = Blueprint("twofa", __name__)

VERIFIED = "2FA verification successful"


@bp.post("/login")
@per_ip_and_email("RATELIMIT_LOGIN")
@password_limit
@contract(
    {"logged_in": LoggedInReply, "challenge": ChallengeReply},
    body=TwoFaLoginSchema,
    errors=(401, 423),
)
def login(form):
    """Password first; a challenge token when 2FA is on, an access token when it is off."""
    outcome = challenge.login(form["email"], form["password"], context(), form["device_token"])
    if outcome.access is not None:
        return "logged_in", outcome
    message = "2FA verification required"
    return "challenge", {"message": message, "challenge_token": outcome.challenge_token}


@bp.post("/2fa/setup")
@bp.post("/2fa/generate")
@per_user("RATELIMIT_2FA_GENERATE", ceiling_spent_by=proved_something)
@token_required(ACCESS)
@contract(SetupReply, errors=(400,))
def setup():
    """A new pending secret (for the setup's lifetime) with its otpauth URL and QR code."""
    return enrolment.start_setup(g.user, context())


@bp.post("/2fa/enable")
@step_up_limit
@token_required(ACCESS)
@contract(AccessReply, body=EnableSchema, errors=(401, 423))
def enable(form):
    """Activate the pending secret (password, and its code or a /2fa/verify confirmation)."""
    access = enrolment.enable(g.user, form["password"], form["otp"], context())
    return {"message": "2FA has been enabled successfully", "access": access}


@bp.post("/2fa/verify")
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(CHALLENGE, ACCESS)
@contract(
    {"verified": VerifiedReply, "checked": MessageReply}, body=ChallengeCodeSchema, errors=(423,)
)
def verify(form):
    """With a challenge token: finish the login. With an access token: check a code."""
    code = form["otp"]
    if g.claims["kind"] == CHALLENGE:
        done = challenge.verify(g.user, g.claims, code, context(), form["remember"])
        return "verified", _verified(done)
    enrolment.verify_code(g.user, code, context())
    return "checked", {"message": "Code verified successfully"}


@bp.post("/2fa/passkey/options")
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(CHALLENGE)
@contract(PasskeyOptionsReply, errors=(423,))
def passkey_options():
    """Options to answer this challenge with one of the user's passkeys."""
    return {"public_key": challenge.passkey_options(g.user, g.claims, context())}


@bp.post("/2fa/passkey")
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(CHALLENGE)
@contract(VerifiedReply, body=PasskeyAnswerSchema, errors=(423,))
def passkey(form):
    """Finish the login with a passkey's answer to the options asked for this challenge."""
    credential, remember = form["credential"], form["remember"]
    return _verified(challenge.verify_passkey(g.user, g.claims, credential, context(), remember))


@bp.post("/2fa/recover")
@per_user("RATELIMIT_2FA_RECOVER")
@token_required(CHALLENGE)
@contract(RecoveredReply, body=RecoverSchema, errors=(423,))
def recover(form):
    """Finish the login with a backup code instead of the TOTP."""
    done = challenge.recover(g.user, g.claims, form["backup_code"], context(), form["remember"])
    body = {**_verified(done), "remaining_backup_codes": done.remaining}
    if done.warning is not None:
        body["warning"] = done.warning
    return body


def _verified(done: challenge.Passed) -> dict:
    """A finished second step's answer: the access token, and the device token if any."""
    return {"message": VERIFIED, "access": done.access, "device": done.device}


@bp.post("/2fa/backup-codes")
@bp.post("/2fa/generate-backup-codes")
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
@contract(NewBackupCodesReply, body=PasswordWithCodeSchema, errors=(423,))
def generate_backup_codes(form):
    """Ten new backup codes (step-up); every earlier code and token stops working."""
    made = enrolment.regenerate_backup_codes(g.user, form["password"], form["otp"], context())
    return {"backup_codes": made.codes, "access": made.access}


@bp.get("/2fa/backup-codes")
@token_required(ACCESS)
@contract(BackupCodesLeftReply)
def count_backup_codes():
    """How many unused backup codes are left (the codes themselves were shown once)."""
    return {"remaining": backup.remaining(g.user)}


@bp.post("/2fa/disable")
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
@contract(StepUpAccessReply, body=PasswordWithCodeSchema, errors=(423,))
def disable(form):
    """Turn 2FA off (step-up); every earlier token stops working."""
    access = enrolment.disable(g.user, form["password"], form["otp"], context())
    return {"message": "2FA has been disabled", "access": access}


@bp.post("/2fa/resend-otp")
@per_user("RATELIMIT_2FA_RESEND", ceiling_spent_by=proved_something)
@token_required(CHALLENGE)
@contract(MessageReply, body=ResendSchema, body_optional=True, errors=(423,))
def resend_otp(form):
    """Send a new 6-digit code for this challenge's /2fa/verify by email or SMS."""
    channel = form["channel"]
    challenge.resend(g.user, g.claims, channel, context())
    return {"message": f"OTP sent via {channel}"}
