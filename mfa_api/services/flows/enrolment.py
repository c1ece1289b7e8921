"""Managing 2FA: a pending secret (for the setup's lifetime), its confirmation, enable, disable,
and new backup codes. Each change ends every earlier token and hands the caller a fresh one."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from ...db import atomically
from ...errors import InvalidInput, ServiceUnavailable, Unauthorized
from ...security import otp
from ...store import users
from ...store.ephemeral import ephemeral
from ...store.users import User
from .. import audit, notifications, sessions
from ..context import Context
from ..defence import counters, guarded
from ..defence.guarded import Wrong
from ..factors import backup, totp
from ..sessions import AccessGrant
from . import step_up
from .login import check_password

log = logging.getLogger(__name__)

NO_SETUP = "No pending 2FA setup"


@dataclass(frozen=True)
class NewCodes:
    """A fresh set of backup codes, and the caller's fresh access (earlier tokens are dead)."""

    codes: list[str]
    access: AccessGrant


def _key(user_id: int) -> str:
    return f"setup:{user_id}"


def forget_setup(user_id: int) -> None:
    """Drop the user's pending setup, if any; with the cache down, leave it to expire (turning
    2FA off or deleting an account does not wait for Redis)."""
    try:
        ephemeral().delete(_key(user_id))
    except ServiceUnavailable:
        log.warning("The pending setup of user %s could not be dropped: it will expire", user_id)


def start_setup(user: User, ctx: Context) -> totp.Provisioning:
    """Make a new pending secret; the current 2FA is untouched until enable."""
    if user.twofa_enabled:
        raise InvalidInput("2FA already enabled")
    secret = otp.new_totp_secret()
    expires_at = ctx.now + ctx.settings.setup_ttl_seconds
    record = {
        "secret": totp.seal(ctx.settings, secret),
        "confirmed_step": None,
        "expires_at": expires_at,
    }
    ephemeral().put(_key(user.id), json.dumps(record), expires_at, ctx.now)
    return totp.provision(secret, user.email, ctx.settings)


def _pending(user: User, ctx: Context) -> dict | None:
    raw = ephemeral().get(_key(user.id), ctx.now)
    return None if raw is None else json.loads(raw)


def _pending_step(user: User, record: dict, code: str, ctx: Context) -> int:
    """The time step of code under the pending secret (counted on the account), else 401."""

    def evaluate() -> int | Wrong:
        where = f"the pending setup of user {user.id}"
        secret = totp.reveal(ctx.settings, record["secret"], where)
        step, nearest = totp.match(secret, code, ctx.now, record.get("confirmed_step"))
        return Wrong(user.id, lambda: totp.told(nearest)) if step is None else step

    return guarded.check(
        ctx,
        lambda: counters.second_factor_attempt(ctx, user.email),
        evaluate,
        audit.SECOND_FACTOR_FAILED,
        during="setup",
    )


def verify_code(user: User, code: str, ctx: Context) -> None:
    """Check a code with an access token: against the pending secret (confirming it, and
    remembering its step so it answers nothing later), else the active one (using its step)."""
    record = _pending(user, ctx)
    if record is not None:
        record["confirmed_step"] = _pending_step(user, record, code, ctx)
        where = f"the pending setup of user {user.id}"
        record["secret"] = totp.reseal(ctx.settings, record["secret"], where)
        ephemeral().put(_key(user.id), json.dumps(record), record["expires_at"], ctx.now)
        return
    if not user.twofa_enabled:
        raise InvalidInput(NO_SETUP)
    if not totp.TOTP.takes(code, None):  # with an access token, only a TOTP is checked
        raise Unauthorized(totp.INVALID_CODE)
    step_up.second_factor(user, code, ctx, during="check")


def enable(user: User, password: str, code: str | None, ctx: Context) -> AccessGrant:
    """Activate the pending secret (password, and its current code or a confirmation by
    verify); the step that proved it is used up."""
    if user.twofa_enabled:
        raise InvalidInput("2FA already enabled")
    record = _pending(user, ctx)
    if record is None:
        raise InvalidInput(NO_SETUP)
    check_password(user, password, ctx)
    if code is not None:
        step = _pending_step(user, record, code, ctx)
    elif record.get("confirmed_step") is not None:
        step = record["confirmed_step"]
    else:
        raise Unauthorized(totp.INVALID_CODE)
    if ephemeral().take(_key(user.id), ctx.now) is None:
        raise InvalidInput(NO_SETUP)  # another request enabled it first
    where = f"the pending setup of user {user.id}"
    users.enable_twofa(user.id, totp.reseal(ctx.settings, record["secret"], where), step)
    audit.record(ctx, user.id, audit.TWOFA_ENABLED)
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="twofa_enabled")
    notifications.send_notice(ctx.mailer, user.email, notifications.TWOFA_ENABLED)
    return sessions.grant_fresh(user.id, ctx)


def disable(user: User, password: str, code: str | None, ctx: Context) -> AccessGrant:
    """Turn 2FA off (step-up first): secret, backup codes and pending setup gone, every earlier
    token refused."""
    step_up.require(user, password, code, ctx)
    atomically(lambda: users.disable_twofa_and_codes(user.id))
    forget_setup(user.id)
    audit.record(ctx, user.id, audit.TWOFA_DISABLED, by="user")
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="twofa_disabled")
    notifications.send_notice(ctx.mailer, user.email, notifications.TWOFA_DISABLED)
    return sessions.grant_fresh(user.id, ctx)


def regenerate_backup_codes(user: User, password: str, code: str | None, ctx: Context) -> NewCodes:
    """A new set of backup codes (step-up first); every earlier code and token stops working."""
    if not user.twofa_enabled:
        raise InvalidInput("2FA is not enabled")
    step_up.require(user, password, code, ctx)

    def replace() -> list[str]:
        users.revoke_tokens(user.id)
        return backup.replace_set(user, ctx)

    codes = atomically(replace)
    audit.record(ctx, user.id, audit.BACKUP_CODES_GENERATED, count=len(codes))
    audit.record(ctx, user.id, audit.TOKENS_REVOKED, reason="backup_codes_generated")
    notifications.send_notice(ctx.mailer, user.email, notifications.BACKUP_CODES_CREATED)
    return NewCodes(codes, sessions.grant_fresh(user.id, ctx))
