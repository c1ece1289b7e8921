"""Which factor an answer goes to: the one place that knows every factor a submitted answer
can be (a step-up's `otp` or `passkey`, /2fa/verify's `otp`), in the order they are tried."""

from __future__ import annotations

from ...store.users import User
from ..context import Context
from . import backup, codes, passkeys, totp
from .factor import INVALID_CODE, Factor, Outcome, refused

# Tried in this order: an answer goes to the first factor that accepts it, and a refusal is
# the first taker's (a six-digit answer to a challenge is the TOTP, else the code sent for it,
# and told as a TOTP). A remembered device is shown with the password, never as an answer.
FACTORS: tuple[Factor, ...] = (
    passkeys.ASSERTION,
    totp.TOTP,
    codes.SENT_CODE,
    backup.BACKUP_CODE,
)


# What /2fa/verify's code may be: a backup code goes to /2fa/recover, which tells the user it
# was used and how many are left (a passkey to /2fa/passkey).
CHALLENGE_CODES: tuple[Factor, ...] = (totp.TOTP, codes.SENT_CODE)


def takers(
    answer: object, challenge: str | None, among: tuple[Factor, ...] | None = None
) -> list[Factor]:
    """The factors (of among, else FACTORS) whose shape answer has and that answer here
    (challenge: the jti of the login challenge answered, None for a step-up), in the order
    they are tried."""
    return [f for f in (FACTORS if among is None else among) if f.takes(answer, challenge)]


def use(
    user: User,
    answer: object,
    ctx: Context,
    challenge: str | None,
    among: tuple[Factor, ...] | None = None,
) -> Outcome:
    """Use answer up as the first of its takers (of among) that accepts it; else refused as its
    first taker refuses it (an answer none takes: an invalid code)."""
    found = takers(answer, challenge, among)
    first = None
    for factor in found:
        outcome = factor.use(user, answer, ctx, challenge)
        if outcome.accepted:
            return outcome
        first = first or outcome
    return first or refused(INVALID_CODE)
