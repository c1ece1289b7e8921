"""services/flows/phone.py called directly: a phone is proven by the code texted to it (after
step-up), once, and by one account only."""

from __future__ import annotations

import pytest

from mfa_api.errors import Conflict, InvalidInput, TooManyAttempts, Unauthorized
from mfa_api.services import audit, notifications
from mfa_api.services.flows import phone
from tests.helpers import PASSWORD

NEW_PHONE = "250788999999"


def _start(world, person, number=NEW_PHONE) -> str:
    """Step-up and a code texted to number; the code."""
    phone.start(world.user(person), number, PASSWORD, world.code(person), world.ctx())
    [text] = [t for t in world.texts if t.to == "+" + number][-1:]
    assert text.code in text.text and "valid for 5 minutes" in text.text
    return text.code


def test_a_texted_code_proves_the_phone_once(world):
    ada = world.person()
    code = _start(world, ada)
    assert world.user(ada).verified_phone is None  # not before the code comes back
    assert phone.confirm(world.user(ada), code, world.ctx()) == NEW_PHONE
    user = world.user(ada)
    assert (user.phone, user.verified_phone) == (NEW_PHONE, NEW_PHONE)
    assert world.events(ada.id)[-1] == (audit.PHONE_VERIFIED, {"phone": "•••••••••999"})
    [notice] = world.mails_to(ada.email)
    assert notice.text.startswith(notifications.PHONE_VERIFIED) and code not in notice.text
    with pytest.raises(InvalidInput, match=phone.NO_VERIFICATION):
        phone.confirm(world.user(ada), code, world.ctx())


def test_adding_a_phone_needs_step_up_and_a_gateway(world):
    ada = world.person()
    with pytest.raises(Unauthorized, match="2FA code required"):
        phone.start(world.user(ada), NEW_PHONE, PASSWORD, None, world.ctx())
    with pytest.raises(Unauthorized, match="Invalid password"):
        phone.start(world.user(ada), NEW_PHONE, "nope-nope", world.code(ada), world.ctx())
    with pytest.raises(InvalidInput, match="SMS is not configured"):
        phone.start(world.user(ada), NEW_PHONE, PASSWORD, None, world.ctx(texting=False))
    assert world.texts == []
    with pytest.raises(InvalidInput, match=phone.NO_VERIFICATION):
        phone.confirm(world.user(ada), "123456", world.ctx())


def test_wrong_codes_are_counted_and_wear_the_code_out(world):
    ada = world.person()
    code = _start(world, ada)
    wrong = "000000" if code != "000000" else "111111"
    tries = world.ctx().settings.max_failed_attempts
    for _ in range(tries):
        world.later(41)  # past any back-off (at most 40 s in tests), within the code's life
        with pytest.raises(Unauthorized, match="Invalid code"):
            phone.confirm(world.user(ada), wrong, world.ctx())
    world.later(41)
    with pytest.raises(TooManyAttempts):
        phone.confirm(world.user(ada), code, world.ctx())
    assert world.user(ada).verified_phone is None


def test_a_phone_verified_by_another_account_is_a_conflict(world):
    ada, bob = world.person(), world.person("bob@example.com", "250788000002")
    phone.confirm(world.user(ada), _start(world, ada), world.ctx())
    with pytest.raises(Conflict, match=phone.PHONE_TAKEN):
        phone.start(world.user(bob), NEW_PHONE, PASSWORD, world.code(bob), world.ctx())
    assert world.user(bob).verified_phone is None
