"""The 2FA face's response bodies (/api/auth)."""

from __future__ import annotations

from marshmallow import Schema, fields

from .replies import MessageReply, Reply, UnixTime


class AccessFields(Schema):
    """The fields that hand a client its access token (from an AccessGrant under `access`)."""

    access_token = fields.String(
        required=True,
        attribute="access.token",
        data_key="accessToken",
        metadata={"description": "A JWT for `Authorization: Bearer`."},
    )
    token_type = fields.Constant("Bearer", required=True, data_key="tokenType")
    expires_in = fields.Integer(
        required=True,
        attribute="access.expires_in",
        data_key="expiresIn",
        metadata={"description": "Seconds the access token lives."},
    )


class DeviceFields(Schema):
    """A remembered device's token (from a DeviceGrant under `device`), when one was asked for."""

    device_token = fields.String(
        attribute="device.token",
        data_key="deviceToken",
        metadata={
            "description": 'Only after "remember": true. Send it as deviceToken to '
            "/api/auth/login: no second step while it answers. Keep it like a password."
        },
    )
    device_expires_in = fields.Integer(
        attribute="device.expires_in",
        data_key="deviceExpiresIn",
        metadata={"description": "Seconds the device token answers."},
    )


class LoggedInReply(Reply, AccessFields):
    """No second step due: 2FA is off, or the client is a remembered device."""

    requires_2fa = fields.Constant(False, required=True, data_key="requires2fa")


class ChallengeReply(MessageReply):
    """2FA is on: a challenge token for the second step."""

    requires_2fa = fields.Constant(True, required=True, data_key="requires2fa")
    challenge_token = fields.String(
        required=True,
        data_key="challengeToken",
        metadata={"description": "A short-lived JWT for /2fa/verify, /2fa/recover, resend."},
    )


class SetupReply(Reply):
    """A pending TOTP secret, its otpauth URI and QR code."""

    secret_key = fields.String(required=True, attribute="secret", data_key="secretKey")
    otpauth_url = fields.String(required=True, attribute="otpauth_uri", data_key="otpauthUrl")
    qr_code_url = fields.String(
        required=True,
        attribute="qr_png_data_uri",
        data_key="qrCodeUrl",
        metadata={"description": "A data:image/png;base64 URI."},
    )


class AccessReply(MessageReply, AccessFields):
    """Done; a new access token (earlier ones may have stopped working)."""


class VerifiedReply(AccessReply, DeviceFields):
    """Logged in with the second step (and remembered, when asked)."""


LOW_WARNING = {
    "description": "Only when 2 or fewer backup codes remain (and 2FA is on): make a new set.",
    "example": "Only 2 backup codes left: make a new set (POST /api/auth/2fa/backup-codes)"
    " before you need one, or losing your authenticator may lock you out",
}


class BackupCodesLeft(Schema):
    """What a step-up answer adds when its second factor was a backup code (used up)."""

    remaining_backup_codes = fields.Integer(
        data_key="remainingBackupCodes",
        metadata={
            "description": "Only when the step-up used a backup code: how many unused backup "
            "codes the account holds now (after the action: 10 after a new set, 0 once 2FA is "
            "off or the account is deleted)."
        },
    )
    warning = fields.String(metadata=LOW_WARNING)


class RecoveredReply(AccessReply, DeviceFields):
    """Logged in with a backup code (and remembered, when asked)."""

    remaining_backup_codes = fields.Integer(required=True, data_key="remainingBackupCodes")
    warning = fields.String(metadata=LOW_WARNING)


class StepUpReply(MessageReply, BackupCodesLeft):
    """Done (a step-up route)."""


class StepUpAccessReply(AccessReply, BackupCodesLeft):
    """Done (a step-up route); a new access token (earlier ones stopped working)."""


class NewBackupCodesReply(Reply, AccessFields, BackupCodesLeft):
    """Ten new backup codes, shown this once; earlier codes and tokens stopped working."""

    backup_codes = fields.List(fields.String(), required=True, data_key="backupCodes")


class BackupCodesLeftReply(Reply):
    """How many unused backup codes are left (they are stored hashed: never shown again)."""

    remaining = fields.Integer(required=True)


class PhoneVerifiedReply(MessageReply):
    """The phone may receive SMS codes from now on."""

    phone = fields.String(required=True, metadata={"description": "+ and digits."})


class EventFields(Schema):
    event = fields.String(required=True, metadata={"example": "second_factor_failed"})
    at = UnixTime(required=True)
    ip = fields.String(required=True, allow_none=True)
    user_agent = fields.String(required=True, allow_none=True, data_key="userAgent")
    request_id = fields.String(required=True, allow_none=True, data_key="requestId")
    detail = fields.Dict(required=True, allow_none=True)


class DeviceListing(Schema):
    id = fields.Integer(required=True)
    label = fields.String(
        required=True, metadata={"description": "The User-Agent that asked to be remembered."}
    )
    created_at = UnixTime(required=True, data_key="createdAt")
    last_used_at = UnixTime(required=True, data_key="lastUsedAt")
    expires_at = UnixTime(required=True, data_key="expiresAt")


class DevicesReply(Reply):
    """The caller's remembered devices that still answer, most recently used first."""

    devices = fields.List(fields.Nested(DeviceListing), required=True)


class MeReply(Reply):
    """Who the access token belongs to, and their second factors."""

    email = fields.String(required=True)
    names = fields.String(required=True)
    twofa_enabled = fields.Boolean(required=True, data_key="twofaEnabled")
    passkeys = fields.Integer(required=True, metadata={"description": "How many passkeys."})


class PasskeyOptionsReply(Reply):
    """WebAuthn options for the browser's navigator.credentials call; its challenge answers once,
    within CHALLENGE_TTL_SECONDS."""

    public_key = fields.Dict(
        required=True,
        data_key="publicKey",
        metadata={
            "description": "PublicKeyCredentialCreationOptions (adding a passkey) or "
            "PublicKeyCredentialRequestOptions (answering a challenge), in their JSON form "
            "(base64url challenge and ids)."
        },
    )


class StepUpOptionsReply(PasskeyOptionsReply, BackupCodesLeft):
    """WebAuthn options to create a passkey (a step-up route)."""


class PasskeyFields(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = UnixTime(required=True, data_key="createdAt")
    last_used_at = UnixTime(required=True, allow_none=True, data_key="lastUsedAt")
    suspended = fields.Boolean(
        required=True,
        metadata={
            "description": "True when its signature counter did not move forward (a copy of it "
            "may exist): it answers nothing until removed."
        },
    )
    user_verified = fields.Boolean(
        required=True,
        data_key="userVerified",
        metadata={
            "description": "True when the authenticator verified the user (a PIN or biometric) "
            "as it made the passkey: then it may also sign in alone, without the password."
        },
    )
    discoverable = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={
            "description": "Whether the browser said it is discoverable (chosen without an "
            "email); null when it did not say."
        },
    )


class PasskeySignedInReply(LoggedInReply, MessageReply):
    """Signed in with a passkey alone (the user verified): as a completed login; the access
    token's amr is ["passkey", "uv"]."""


class PasskeyReply(MessageReply):
    """A passkey was added."""

    passkey = fields.Nested(PasskeyFields, required=True)


class PasskeysReply(Reply):
    """The caller's passkeys, oldest first."""

    passkeys = fields.List(fields.Nested(PasskeyFields), required=True)


class EventsReply(Reply):
    """The caller's recent security events, newest first."""

    events = fields.List(fields.Nested(EventFields), required=True)


class TwoFaError(Schema):
    """Every error of the 2FA face (and outside both faces)."""

    success = fields.Constant(False, required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Messages per field of the body."})
    remaining_backup_codes = fields.Integer(
        data_key="remainingBackupCodes",
        metadata={
            "description": "A step-up route refusing the action after a backup code was "
            "accepted (and used up): how many remain."
        },
    )
    warning = fields.String(metadata=LOW_WARNING)
    request_id = fields.String(
        data_key="requestId", metadata={"description": "On a 500: the id to find in the log."}
    )
