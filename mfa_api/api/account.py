"""The account on the 2FA face: password change, deletion, logout, remembered devices, its
audit trail, unlocking."""

from __future__ import annotations

from flask import Blueprint, g

from ..security.tokens import ACCESS
from ..services import audit
from ..services.defence import lockout
from ..services.factors import devices
from ..services.flows import account, passkeys
from .common import context
from .contract import contract
from .guards import token_required
from .limits import per_ip, step_up_limit
from .replies import MessageReply
from .step_up import tells_backup_codes_left
from .twofa_replies import (
    DevicesReply,
    EventsReply,
    MeReply,
    StepUpAccessReply,
    StepUpReply,
)
from .twofa_schemas import (
    ChangePasswordSchema,
    EventsQuerySchema,
    LogoutSchema,
    PasswordWithCodeSchema,
    UnlockSchema,
)

bp = Blueprint("account", __name__)


@bp.post("/password")
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
@contract(StepUpAccessReply, body=ChangePasswordSchema, errors=(423,))
def change_password(form):
    """New password (step-up: current password and, with 2FA on, a second factor)."""
    access = account.change_password(
        g.user, form["current_password"], form["new_password"], form["otp"], context()
    )
    return {"message": "Password changed", "access": access}


@bp.delete("/account")
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
@contract(StepUpReply, body=PasswordWithCodeSchema, errors=(423,))
def delete_account(form):
    """Delete the user and everything of theirs (step-up as for the password)."""
    account.delete_account(g.user, form["password"], form["otp"], context())
    return {"message": "Account deleted"}


@bp.post("/logout")
@token_required(ACCESS)
@contract(MessageReply, body=LogoutSchema)
def logout(form):
    """Make the presented token stop working (with everywhere: every token and device)."""
    if form["everywhere"]:
        account.logout_everywhere(g.user, context())
        return {"message": "Logged out everywhere"}
    account.logout(g.claims, g.user, context())
    return {"message": "Logged out"}


@bp.get("/me")
@token_required(ACCESS)
@contract(MeReply)
def me():
    """Who the token belongs to: email, names, whether 2FA is on, how many passkeys."""
    user = g.user
    found = len(passkeys.listed(user))
    body = {"email": user.email, "names": user.names, "twofa_enabled": user.twofa_enabled}
    return {**body, "passkeys": found}


@bp.get("/devices")
@token_required(ACCESS)
@contract(DevicesReply)
def list_devices():
    """The caller's remembered devices that still skip the second step."""
    return {"devices": devices.listed(g.user, context())}


@bp.delete("/devices/<int:device_id>")
@token_required(ACCESS)
@contract(MessageReply, errors=(404,))
def forget_device(device_id: int):
    """Forget one remembered device: its next login needs the second step again."""
    devices.forget(g.user, device_id, context())
    return {"message": "Device forgotten"}


@bp.delete("/devices")
@token_required(ACCESS)
@contract(MessageReply)
def forget_devices():
    """Forget every remembered device of the caller's."""
    devices.forget_all(g.user, context())
    return {"message": "Every device forgotten"}


@bp.get("/events")
@token_required(ACCESS)
@contract(EventsReply, query=EventsQuerySchema)
def events(query):
    """The caller's own recent security events, newest first."""
    return {"events": audit.recent(g.user.id, query["limit"], context())}


@bp.post("/unlock")
@per_ip("RATELIMIT_UNLOCK")
@contract(MessageReply, body=UnlockSchema)
def unlock(form):
    """Lift a second-factor lock with the single-use token mailed in the lock notice."""
    lockout.unlock_with_token(form["token"], context())
    return {"message": "Account unlocked"}
