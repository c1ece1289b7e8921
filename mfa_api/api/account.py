"""The account on the 2FA face: password change, deletion, logout, remembered devices, its
audit trail, unlocking."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..schemas import (
    ChangePasswordSchema,
    EventsQuerySchema,
    LogoutSchema,
    PasswordWithCodeSchema,
    UnlockSchema,
    load,
)
from ..security.tokens import ACCESS
from ..services import audit
from ..services.defence import lockout
from ..services.factors import devices
from ..services.flows import account, passkeys
from .common import context, json_body
from .contract import documented
from .guards import token_required
from .limits import per_ip, step_up_limit
from .replies import MessageReply, reply
from .step_up import tells_backup_codes_left
from .twofa_replies import (
    DevicesReply,
    EventsReply,
    MeReply,
    StepUpAccessReply,
    StepUpReply,
)

bp = Blueprint("account", __name__)


@bp.post("/password")
@documented(StepUpAccessReply, body=ChangePasswordSchema, errors=(423,))
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
def change_password():
    """New password (step-up: current password and, with 2FA on, a second factor)."""
    form = load(ChangePasswordSchema, json_body())
    access = account.change_password(
        g.user, form["current_password"], form["new_password"], form["otp"], context()
    )
    return reply(StepUpAccessReply, {"message": "Password changed", "access": access})


@bp.delete("/account")
@documented(StepUpReply, body=PasswordWithCodeSchema, errors=(423,))
@step_up_limit
@token_required(ACCESS)
@tells_backup_codes_left
def delete_account():
    """Delete the user and everything of theirs (step-up as for the password)."""
    form = load(PasswordWithCodeSchema, json_body())
    account.delete_account(g.user, form["password"], form["otp"], context())
    return reply(StepUpReply, {"message": "Account deleted"})


@bp.post("/logout")
@documented(MessageReply, body=LogoutSchema)
@token_required(ACCESS)
def logout():
    """Make the presented token stop working (with everywhere: every token and device)."""
    if load(LogoutSchema, json_body(optional=True))["everywhere"]:
        account.logout_everywhere(g.user, context())
        return reply(MessageReply, {"message": "Logged out everywhere"})
    account.logout(g.claims, g.user, context())
    return reply(MessageReply, {"message": "Logged out"})


@bp.get("/me")
@documented(MeReply)
@token_required(ACCESS)
def me():
    """Who the token belongs to: email, names, whether 2FA is on, how many passkeys."""
    user = g.user
    found = len(passkeys.listed(user))
    body = {"email": user.email, "names": user.names, "twofa_enabled": user.twofa_enabled}
    return reply(MeReply, {**body, "passkeys": found})


@bp.get("/devices")
@documented(DevicesReply)
@token_required(ACCESS)
def list_devices():
    """The caller's remembered devices that still skip the second step."""
    return reply(DevicesReply, {"devices": devices.listed(g.user, context())})


@bp.delete("/devices/<int:device_id>")
@documented(MessageReply, errors=(404,))
@token_required(ACCESS)
def forget_device(device_id: int):
    """Forget one remembered device: its next login needs the second step again."""
    devices.forget(g.user, device_id, context())
    return reply(MessageReply, {"message": "Device forgotten"})


@bp.delete("/devices")
@documented(MessageReply)
@token_required(ACCESS)
def forget_devices():
    """Forget every remembered device of the caller's."""
    devices.forget_all(g.user, context())
    return reply(MessageReply, {"message": "Every device forgotten"})


@bp.get("/events")
@documented(EventsReply, query=EventsQuerySchema)
@token_required(ACCESS)
def events():
    """The caller's own recent security events, newest first."""
    limit = load(EventsQuerySchema, request.args.to_dict())["limit"]
    found = audit.recent(g.user.id, limit, context())
    return reply(EventsReply, {"events": found})


@bp.post("/unlock")
@documented(MessageReply, body=UnlockSchema)
@per_ip("RATELIMIT_UNLOCK")
def unlock():
    """Lift a second-factor lock with the single-use token mailed in the lock notice."""
    token = load(UnlockSchema, json_body())["token"]
    lockout.unlock_with_token(token, context())
    return reply(MessageReply, {"message": "Account unlocked"})
