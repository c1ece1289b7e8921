"""The 2FA login's second step called directly: what /2fa/verify's code may be."""

import pytest

from mfa_api.errors import Unauthorized
from mfa_api.security import tokens
from mfa_api.services import sessions
from mfa_api.services.flows import challenge
from tests.helpers import PASSWORD


def _challenge(world, person):
    out = challenge.login(person.email, PASSWORD, world.ctx())
    return sessions.resolve(out.challenge_token, (tokens.CHALLENGE,), world.ctx())


def test_a_challenge_is_answered_by_the_totp(world):
    ada = world.person()
    user, claims = _challenge(world, ada)
    assert challenge.verify(user, claims, world.code(ada), world.ctx()).access


def test_a_backup_code_is_no_answer_to_verify_it_goes_to_recover(world):
    """Only /2fa/recover tells the user a backup code was used and how many are left, so
    verify never takes one (it would sign in silently)."""
    ada = world.person()
    codes = world.backup_codes(ada)
    user, claims = _challenge(world, ada)
    with pytest.raises(Unauthorized):
        challenge.verify(user, claims, codes[0], world.ctx())
    recovered = challenge.recover(user, claims, codes[0], world.ctx())
    assert recovered.access and recovered.remaining == len(codes) - 1
    assert ("backup_code_used", {"remaining": len(codes) - 1}) in world.events(ada.id)
