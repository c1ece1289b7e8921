"""A user's TOTP: the secret sealed at rest (when ENCRYPTION_KEY is set) and single-use steps."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import Settings
from ...security import crypto, otp, qr
from ...store import users
from ...store.ephemeral import SqlEphemeral
from ...store.users import User
from ..context import Context
from ..sealing import open_sealed
from .factor import INVALID_CODE, Outcome, accepted, refused

ALREADY_USED = "This code was already used; wait for the next one"
# Future steps spent by a refusal (see _refused): in the database's `ephemeral` table even when
# Redis keeps the short-lived keys, as a TOTP is checked with Redis down too.
_SPENT = SqlEphemeral()


def seal(settings: Settings, secret: str) -> str:
    """The secret as stored: encrypted under the ring's newest key, else (no key, plaintext
    allowed) as is, as a PHP mfa-php sharing the database reads it."""
    if settings.secret_cipher is None:
        return secret
    return crypto.encrypt(settings.secret_cipher, secret)


def reseal(settings: Settings, stored: str, where: str) -> str:
    """A stored secret sealed again under the ring's newest key, for when it moves (from a
    pending sign-up or setup into `users`): a key rotation running meanwhile may have passed
    the row it came from, but must not leave the one it goes to behind."""
    return seal(settings, reveal(settings, stored, where))


def reveal(settings: Settings, stored: str, where: str) -> str:
    """The secret from its stored form (where: its table and row, for the log if no key opens
    it); rows written before encryption was turned on still read."""
    return open_sealed(settings.secret_cipher, stored, where)


class Totp:
    """The user's current TOTP, each time step used once."""

    name = "totp"

    def takes(self, answer: object, challenge: str | None) -> bool:
        """Six digits, at a login's challenge or a step-up."""
        return isinstance(answer, str) and otp.is_six_digits(answer)

    def use(self, user: User, answer: object, ctx: Context, challenge: str | None) -> Outcome:
        """Use up answer as the user's current TOTP, on a time step not used before, in one
        pass: the codes around now are matched once, both to accept it and to explain its
        refusal."""
        if not user.twofa_enabled or not user.totp_secret or not isinstance(answer, str):
            return refused(INVALID_CODE)
        secret = reveal(ctx.settings, user.totp_secret, f"users id {user.id}")
        step, nearest = match(secret, answer, ctx.now, user.totp_last_step)
        if (
            step is not None
            and _SPENT.get(_spent_key(user, step), ctx.now) is None
            and users.use_totp_step(user.id, step)
        ):
            return accepted(self.name)
        return refused(lambda: _refused(user, nearest, ctx))


TOTP = Totp()


def match(secret: str, code: str, now: int, last_step: int | None) -> tuple[int | None, int | None]:
    """In one pass of matching: the step within ±TOTP_WINDOW of now whose code is code and is
    later than last_step (None if none), and the offset of the nearest step whose code it is
    (what a refusal is explained by: see told)."""
    offsets = otp.totp_offsets(secret, code, now)
    current = now // otp.TOTP_PERIOD
    steps = sorted(current + o for o in offsets if abs(o) <= otp.TOTP_WINDOW)
    step = next((s for s in steps if last_step is None or s > last_step), None)
    return step, (offsets[0] if offsets else None)


def _spent_key(user: User, step: int) -> str:
    return f"totp-spent:{user.id}:{step}"


def told(offset: int | None) -> str:
    """What a user is told of a refused code whose nearest matching step is offset from now:
    already used, the device's clock off by about so many minutes, or just invalid."""
    if offset is None:
        return INVALID_CODE
    if abs(offset) <= otp.TOTP_WINDOW:
        return ALREADY_USED
    minutes = (abs(offset) * otp.TOTP_PERIOD + 30) // 60
    return (
        f"Invalid code: your device's clock seems to be about {minutes} "
        f"minute{'s' if minutes != 1 else ''} {'ahead' if offset > 0 else 'behind'}; "
        "set it to the network time"
    )


def _refused(user: User, offset: int | None, ctx: Context) -> str:
    """Why use refused a code of the user's secret whose nearest matching step is offset from
    now's, as the user is told. A code of a step still to come is spent now, that step alone
    (the codes before it still work): told roughly when it would work, a guesser who hit it
    must not be able to wait for it."""
    if offset is not None and offset > otp.TOTP_WINDOW:
        step = ctx.now // otp.TOTP_PERIOD + offset
        until = (step + otp.TOTP_WINDOW + 1) * otp.TOTP_PERIOD  # no longer accepted by then
        _SPENT.put(_spent_key(user, step), "1", until, ctx.now)
    return told(offset)


@dataclass(frozen=True)
class Provisioning:
    """A TOTP secret and the ways to put it in an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_png_data_uri: str


def provision(secret: str, account: str, settings: Settings) -> Provisioning:
    """The otpauth URI and PNG QR code of a secret, for an account (an email)."""
    uri = otp.provisioning_uri(secret, account, settings.totp_issuer)
    return Provisioning(secret, uri, qr.png_data_uri(uri))
