"""Remembered devices: after a second step with "remember": true, a token that lets that
client skip the second step for REMEMBER_DEVICE_DAYS. The user lists and forgets them; all
stop answering once the user's tokens are revoked (password change, 2FA off or on again, new
backup codes, logout everywhere), as they are remembered under the user's token version."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ...errors import NotFound
from ...security import crypto
from ...store import devices as device_rows
from ...store.devices import Device
from ...store.users import User
from .. import audit
from ..context import Context
from .factor import Outcome, accepted, refused

TOKEN_BYTES = 32
LABEL_MAX = 200
UNKNOWN_DEVICE = "unknown device"


@dataclass(frozen=True)
class DeviceGrant:
    """A device token handed to a client, and how many seconds it answers."""

    token: str
    expires_in: int


def _hash(token: str) -> str:
    """The hash a device token is stored by: unkeyed (256 random bits need no key: see
    crypto.random_token_hash), so that changing SECRET_KEY forgets no device."""
    return crypto.random_token_hash("remembered-device", token)


def _find(token: str, ctx: Context) -> Device | None:
    """The device of this token. One remembered before the unkeyed hash (an HMAC keyed from
    SECRET_KEY) is found by that, while the key is the one it was made under, and moved to the
    unkeyed hash: within REMEMBER_DEVICE_DAYS every such device has moved or expired."""
    found = device_rows.find(_hash(token))
    if found is None:
        keyed = crypto.keyed_hash(ctx.settings.legacy_device_key, token)
        found = device_rows.find(keyed)
        if found is not None:
            device_rows.rehash(found.id, keyed, _hash(token))
    return found


def remember(user: User, ctx: Context) -> DeviceGrant:
    """Remember the calling client for the user (named by its User-Agent); its token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    label = (ctx.client.user_agent or UNKNOWN_DEVICE)[:LABEL_MAX]
    ttl = ctx.settings.remember_device_seconds
    device_rows.forget_dead(user.id, user.token_version, ctx.now)
    device_rows.add(user.id, _hash(token), user.token_version, label, ctx.now, ttl)
    audit.record(ctx, user.id, audit.DEVICE_REMEMBERED, device=label)
    return DeviceGrant(token, ttl)


NOT_REMEMBERED = "This device is not remembered"


class RememberedDevice:
    """A device token the client shows with the password at login: it answers in place of a
    second factor while the user's remembered device still does."""

    name = "remembered_device"

    def takes(self, answer: object, challenge: str | None) -> bool:
        """A device token, shown at login before any challenge."""
        return challenge is None and isinstance(answer, str) and answer != ""

    def use(self, user: User, answer: object, ctx: Context, challenge: str | None) -> Outcome:
        """Accepted when answer is a device the user remembered that still answers (its use
        noted); a device answers as often as it is shown while it lasts."""
        if not self.takes(answer, challenge):
            return refused(NOT_REMEMBERED)
        found = _find(answer, ctx)
        if (
            found is None
            or found.user_id != user.id
            or found.token_version != user.token_version
            or found.expires_at <= ctx.now
        ):
            return refused(NOT_REMEMBERED)
        device_rows.touch(found.id, ctx.now)
        return accepted(self.name)


REMEMBERED = RememberedDevice()


def listed(user: User, ctx: Context) -> list[Device]:
    """The user's devices that still answer, most recently used first."""
    return device_rows.of_user(user.id, user.token_version, ctx.now)


def forget(user: User, device_id: int, ctx: Context) -> None:
    """Forget one of the user's devices (404 when they have none by that id)."""
    if not device_rows.forget(user.id, device_id):
        raise NotFound("Device not found")
    audit.record(ctx, user.id, audit.DEVICE_FORGOTTEN, device_id=device_id)


def forget_all(user: User, ctx: Context) -> None:
    """Forget every device of the user's."""
    device_rows.forget_all(user.id)
    audit.record(ctx, user.id, audit.DEVICE_FORGOTTEN, device_id="all")
