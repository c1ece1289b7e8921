"""The 2FA face: login with a second step, enrolment, verification, backup codes, recovery."""

from __future__ import annotations

from flask import Blueprint, g

from ..schemas import (
    ChallengeCodeSchema,
    EnableSchema,
    PasskeyAnswerSchema,
    PasswordWithCodeSchema,
    RecoverSchema,
    ResendSchema,
    TwoFaLoginSchema,
    load,
)
from ..security.tokens import ACCESS, CHALLENGE
from ..services.factors import backup
from ..services.flows import challenge, enrolment
from .common import context, json_body
from .contract import documented
from .guards import token_required
from .limits import password_limit, per_ip_and_email, per_user, proved_something, step_up_limit
from .replies import MessageReply, reply
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

bp = Blueprint("twofa", __name__)

VERIFIED = "2FA verification successful"


@bp.post("/login")
@documented(LoggedInReply, ChallengeReply, body=TwoFaLoginSchema, errors=(401, 423))
@per_ip_and_email("RATELIMIT_LOGIN")
@password_limit
def login():
    """Password first; a challenge token when 2FA is on, an access token when it is off."""
    form = load(TwoFaLoginSchema, json_body())
    outcome = challenge.login(form["email"], form["password"], context(), form["device_token"])
    if outcome.access is not None:
        return reply(LoggedInReply, outcome)
    message = "2FA verification required"
    return reply(ChallengeReply, {"message": message, "challenge_token": outcome.challenge_token})


@bp.post("/2fa/setup")
@bp.post("/2fa/generate")
@documented(SetupReply, errors=(400,))
@per_user("RATELIMIT_2FA_GENERATE", ceiling_spent_by=proved_something)
@token_required(ACCESS)
def setup():
    """A new pending secret (for the setup's lifetime) with its otpauth URL and QR code."""
    return reply(SetupReply, enrolment.start_setup(g.user, context()))


@bp.post("/2fa/enable")
@documented(AccessReply, body=EnableSchema, errors=(401, 423))
@step_up_limit
@token_required(ACCESS)
def enable():
    """Activate the pending secret (password, and its code or a /2fa/verify confirmation)."""
    form = load(EnableSchema, json_body())
    access = enrolment.enable(g.user, form["password"], form["otp"], context())
    return reply(AccessReply, {"message": "2FA has been enabled successfully", "access": access})


@bp.post("/2fa/verify")
@documented(VerifiedReply, MessageReply, body=ChallengeCodeSchema, errors=(423,))
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(CHALLENGE, ACCESS)
def verify():
    """With a challenge token: finish the login. With an access token: check a code."""
    form = load(ChallengeCodeSchema, json_body())
    code = form["otp"]
    if g.claims["kind"] == CHALLENGE:
        return _logged_in(challenge.verify(g.user, g.claims, code, context(), form["remember"]))
    enrolment.verify_code(g.user, code, context())
    return reply(MessageReply, {"message": "Code verified successfully"})


@bp.post("/2fa/passkey/options")
@documented(PasskeyOptionsReply, errors=(423,))
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(CHALLENGE)
def passkey_options():
    """Options to answer this challenge with one of the user's passkeys."""
    options = challenge.passkey_options(g.user, g.claims, context())
    return reply(PasskeyOptionsReply, {"public_key": options})


@bp.post("/2fa/passkey")
@documented(VerifiedReply, body=PasskeyAnswerSchema, errors=(423,))
@per_user("RATELIMIT_2FA_VERIFY")
@token_required(CHALLENGE)
def passkey():
    """Finish the login with a passkey's answer to the options asked for this challenge."""
    form = load(PasskeyAnswerSchema, json_body())
    credential, remember = form["credential"], form["remember"]
    return _logged_in(challenge.verify_passkey(g.user, g.claims, credential, context(), remember))


@bp.post("/2fa/recover")
@documented(RecoveredReply, body=RecoverSchema, errors=(423,))
@per_user("RATELIMIT_2FA_RECOVER")
@token_required(CHALLENGE)
def recover():
    """Finish the login with a backup code instead of the TOTP."""
    form = load(RecoverSchema, json_body())
    done = challenge.recover(g.user, g.claims, form["backup_code"], context(), form["remember"])
    body = {**_verified(done), "remaining_backup_codes": done.remaining}
    if done.warning is not None:
        body["warning"] = done.warning
    return reply(RecoveredReply, body)


def _verified(done: challenge.Passed) -> dict:
    return {"message": VERIFIED, "access": done.access, "device": done.device}


def _logged_in(done: challenge.Passed):
    """The answer to a finished second step: the access token, and the device token if any."""
    return reply(VerifiedReply, _verified(done))


@bp.post("/2fa/backup-codes")
@bp.post("/2fa/generate-backup-codes")
@documented(NewBackupCodesReply, body=PasswordWithCodeSchema, errors=(423,))
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
def generate_backup_codes():
    """Ten new backup codes (step-up); every earlier code and token stops working."""
    form = load(PasswordWithCodeSchema, json_body())
    made = enrolment.regenerate_backup_codes(g.user, form["password"], form["otp"], context())
    return reply(NewBackupCodesReply, {"backup_codes": made.codes, "access": made.access})


@bp.get("/2fa/backup-codes")
@documented(BackupCodesLeftReply)
@token_required(ACCESS)
def count_backup_codes():
    """How many unused backup codes are left (the codes themselves were shown once)."""
    return reply(BackupCodesLeftReply, {"remaining": backup.remaining(g.user)})


@bp.post("/2fa/disable")
@documented(StepUpAccessReply, body=PasswordWithCodeSchema, errors=(423,))
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
def disable():
    """Turn 2FA off (step-up); every earlier token stops working."""
    form = load(PasswordWithCodeSchema, json_body())
    access = enrolment.disable(g.user, form["password"], form["otp"], context())
    return reply(StepUpAccessReply, {"message": "2FA has been disabled", "access": access})


@bp.post("/2fa/resend-otp")
@documented(MessageReply, body=ResendSchema, body_optional=True, errors=(423,))
@per_user("RATELIMIT_2FA_RESEND", ceiling_spent_by=proved_something)
@token_required(CHALLENGE)
def resend_otp():
    """Send a new 6-digit code for this challenge's /2fa/verify by email or SMS."""
    channel = load(ResendSchema, json_body(optional=True))["channel"]
    challenge.resend(g.user, g.claims, channel, context())
    return reply(MessageReply, {"message": f"OTP sent via {channel}"})
