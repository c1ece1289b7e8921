"""The 2FA face: login with a second step, enrolment, verification, backup codes, recovery."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..extensions import limiter
from ..schemas import (
    OptionalCodeSchema,
    PasswordWithCodeSchema,
    RecoverSchema,
    RequiredCodeSchema,
    ResendSchema,
    TwoFaLoginSchema,
    load,
)
from ..security.tokens import ACCESS, CHALLENGE
from ..services import backup, challenge, enrolment
from .common import context, json_body
from .guards import token_required
from .limits import configured, ip_and_email, user_or_ip

bp = Blueprint("twofa", __name__)


@bp.post("/login")
@limiter.limit(configured("RATELIMIT_LOGIN"), key_func=ip_and_email)
def login():
    """Password first; a challenge token when 2FA is on, an access token when it is off."""
    form = load(TwoFaLoginSchema(), json_body())
    return challenge.login(form["email"], form["password"], context())


@bp.post("/2fa/setup")
@bp.post("/2fa/generate")
@limiter.limit(configured("RATELIMIT_2FA_GENERATE"), key_func=user_or_ip)
@token_required(ACCESS)
def setup():
    """A new pending secret (15 minutes) with its otpauth URL and QR code."""
    made = enrolment.start_setup(g.user, context())
    return {
        "success": True,
        "secretKey": made.secret,
        "otpauthUrl": made.otpauth_uri,
        "qrCodeUrl": made.qr_png_data_uri,
    }


@bp.post("/2fa/enable")
@token_required(ACCESS)
def enable():
    """Activate the pending secret (with its code, or after /2fa/verify confirmed it)."""
    form = load(OptionalCodeSchema(), json_body(optional=True))
    enrolment.enable(g.user, form["otp"], context())
    return {"success": True, "message": "2FA has been enabled successfully"}


@bp.post("/2fa/verify")
@limiter.limit(configured("RATELIMIT_2FA_VERIFY"), key_func=user_or_ip)
@token_required(CHALLENGE, ACCESS)
def verify():
    """With a challenge token: finish the login. With an access token: check a code."""
    code = load(RequiredCodeSchema(), json_body())["otp"]
    if g.claims["kind"] == CHALLENGE:
        return challenge.verify(g.user, g.claims, code, context())
    enrolment.verify_code(g.user, code, context())
    return {"success": True, "message": "Code verified successfully"}


@bp.post("/2fa/recover")
@limiter.limit(configured("RATELIMIT_2FA_RECOVER"), key_func=user_or_ip)
@token_required(CHALLENGE)
def recover():
    """Finish the login with a backup code instead of the TOTP."""
    typed = load(RecoverSchema(), json_body())["backup_code"]
    return challenge.recover(g.user, g.claims, typed, context())


@bp.post("/2fa/backup-codes")
@bp.post("/2fa/generate-backup-codes")
@token_required(ACCESS)
def generate_backup_codes():
    """Ten new backup codes; every earlier one stops working."""
    return {"success": True, "backupCodes": backup.generate(g.user, context())}


@bp.get("/2fa/backup-codes")
@token_required(ACCESS)
def list_backup_codes():
    """The unused backup codes, for whoever gives the password (header or body, never the URL)."""
    password = request.headers.get("X-Password") or json_body(optional=True).get("password")
    codes = backup.unused(g.user, password if isinstance(password, str) else None, context())
    return {"success": True, "backupCodes": codes, "remaining": len(codes)}


@bp.post("/2fa/disable")
@token_required(ACCESS)
def disable():
    """Turn 2FA off (password required); every earlier token stops working."""
    form = load(PasswordWithCodeSchema(), json_body())
    enrolment.disable(g.user, form["password"], form["otp"], context())
    return {"success": True, "message": "2FA has been disabled"}


@bp.post("/2fa/resend-otp")
@limiter.limit(configured("RATELIMIT_2FA_RESEND"), key_func=user_or_ip)
@token_required(CHALLENGE)
def resend_otp():
    """Send a new 6-digit code for /2fa/verify by email or SMS."""
    channel = load(ResendSchema(), json_body(optional=True))["channel"]
    return challenge.resend(g.user, g.claims, channel, context())
