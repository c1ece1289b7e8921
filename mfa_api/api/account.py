"""Sensitive account actions on the 2FA face: password change, account deletion, logout."""

from __future__ import annotations

from flask import Blueprint, g

from ..schemas import ChangePasswordSchema, PasswordWithCodeSchema, load
from ..security.tokens import ACCESS
from ..services import account, sessions
from .common import context, json_body
from .guards import token_required

bp = Blueprint("account", __name__)


@bp.post("/password")
@token_required(ACCESS)
def change_password():
    """New password (step-up: current password and, with 2FA on, a TOTP); a fresh token."""
    form = load(ChangePasswordSchema(), json_body())
    return account.change_password(
        g.user, form["current_password"], form["new_password"], form["otp"], context()
    )


@bp.delete("/account")
@token_required(ACCESS)
def delete_account():
    """Delete the user and everything of theirs (step-up as for the password)."""
    form = load(PasswordWithCodeSchema(), json_body())
    account.delete_account(g.user, form["password"], form["otp"], context())
    return {"success": True, "message": "Account deleted"}


@bp.post("/logout")
@token_required(ACCESS)
def logout():
    """Make the presented token stop working."""
    sessions.revoke(g.claims, context())
    return {"success": True, "message": "Logged out"}
