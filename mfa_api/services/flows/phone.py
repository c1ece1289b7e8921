"""A phone number proven by an SMS code before any code is ever sent to it."""

from __future__ import annotations

import json

from ...db import IntegrityError
from ...errors import Conflict, InvalidInput
from ...store import users
from ...store.ephemeral import ephemeral
from ...store.users import User
from .. import audit, notifications
from ..context import Context
from ..defence import counters, guarded
from ..defence.guarded import Unevaluated, Wrong
from ..factors import codes
from . import step_up

PHONE_TAKEN = "This phone number is verified on another account"
NO_VERIFICATION = "No phone verification in progress; request a code first"


def _key(user_id: int) -> str:
    return f"phone:{user_id}"


def start(user: User, phone: str, password: str, code: str | None, ctx: Context) -> None:
    """Text a code to phone (step-up first); the code proves the phone when sent back."""
    if ctx.sms is None:
        raise InvalidInput("SMS is not configured on this server")
    step_up.require(user, password, code, ctx)
    if users.phone_verified_by_other(phone, user.id):
        raise Conflict(PHONE_TAKEN)
    issued = codes.issue_code(ctx)
    ttl = ctx.settings.otp_ttl_seconds
    notifications.text_code(ctx.sms, phone, "code to verify this phone", issued.code, ttl)
    record = {"phone": phone, "code_hash": issued.code_hash}
    ephemeral().put(_key(user.id), json.dumps(record), issued.expires_at, ctx.now)


def confirm(user: User, code: str, ctx: Context) -> str:
    """Check the texted code (tries counted on it and on the account); the verified phone."""
    raw = ephemeral().get(_key(user.id), ctx.now)
    if raw is None:
        raise InvalidInput(NO_VERIFICATION)
    record = json.loads(raw)

    def reserve() -> counters.Attempt:
        return counters.second_factor_attempt(ctx, user.email, code_tag=record["code_hash"][:16])

    def evaluate() -> bool | Wrong:
        if not codes.same_code(record["code_hash"], codes.hash_code(ctx, code)):
            return Wrong(user.id, "Invalid code")
        if ephemeral().take(_key(user.id), ctx.now) is None:  # a concurrent request took it first
            raise Unevaluated(InvalidInput(NO_VERIFICATION))
        return True

    guarded.check(ctx, reserve, evaluate, audit.SECOND_FACTOR_FAILED, during="phone")
    try:
        users.set_verified_phone(user.id, record["phone"])
    except IntegrityError as exc:
        raise Conflict(PHONE_TAKEN) from exc
    audit.record(ctx, user.id, audit.PHONE_VERIFIED, phone=mask(record["phone"]))
    notifications.send_notice(ctx.mailer, user.email, notifications.PHONE_VERIFIED)
    return record["phone"]


def mask(phone: str) -> str:
    """A phone number with all but its last 3 digits hidden."""
    return "•" * max(0, len(phone) - 3) + phone[-3:]
