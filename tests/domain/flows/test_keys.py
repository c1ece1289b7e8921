"""services/flows/keys.py called directly: rotation moves every sealed secret (a user's seed, a
webhook's secret, a pending setup's seed) to the newest key, counts what no key opens and what
changed meanwhile, and can run again."""

from __future__ import annotations

import json
from dataclasses import replace

from cryptography.fernet import Fernet, MultiFernet

from mfa_api.db import get_db
from mfa_api.security import crypto
from mfa_api.services.flows import keys
from mfa_api.state import state
from mfa_api.store import sealed, users, webhooks
from mfa_api.store.ephemeral import ephemeral

OLD, NEW, STRANGER = (Fernet(Fernet.generate_key()) for _ in range(3))


def _ring(*made: Fernet):
    """The app's settings with this key ring (the first key the newest)."""
    return replace(state().settings, secret_cipher=MultiFernet(list(made)), secret_newest=made[0])


def _seal(key: Fernet, text: str) -> str:
    return crypto.encrypt(MultiFernet([key]), text)


def _seeds() -> dict[str, str]:
    rows = get_db().fetch_all("SELECT email, auth_code FROM users", ())
    return {r["email"]: r["auth_code"] for r in rows}


def _under(key: Fernet, stored: str) -> str:
    return key.decrypt(stored.removeprefix(crypto.ENCRYPTED_PREFIX).encode()).decode()


def _tallies(settings, now) -> dict[str, tuple]:
    return {
        t.where: (t.rotated, t.current, t.unreadable, t.skipped)
        for t in keys.rotate_all(settings, now)
    }


def _people(world) -> None:
    """ada's seed under OLD, bob's under NEW, carol's in plain text, dan's under no key we hold;
    a webhook secret under OLD; a pending setup under OLD."""
    for email, stored in (
        ("ada@example.com", _seal(OLD, "ADA")),
        ("bob@example.com", _seal(NEW, "BOB")),
        ("carol@example.com", "CAROL"),
        ("dan@example.com", _seal(STRANGER, "DAN")),
    ):
        person = world.person(email, phone=email[:3])
        get_db().execute("UPDATE users SET auth_code = ? WHERE id = ?", (stored, person.id))
    webhooks.add_endpoint("https://example.com/hook", "*", _seal(OLD, "HOOK"), world.now)
    record = {"secret": _seal(OLD, "SETUP"), "confirmed_step": None, "expires_at": world.now + 60}
    ephemeral().put("setup:99", json.dumps(record), world.now + 60, world.now)


def test_rotation_moves_every_secret_to_the_newest_key_and_can_run_again(world):
    _people(world)
    settings = _ring(NEW, OLD)
    assert _tallies(settings, world.now) == {
        "users.auth_code": (2, 1, 1, None),
        "waiting_users.auth_code": (0, 0, 0, None),
        "webhook_endpoints.secret": (1, 0, 0, None),
        "pending 2FA setups": (1, 0, 0, None),
    }
    seeds = _seeds()
    for email, secret in (("ada", "ADA"), ("bob", "BOB"), ("carol", "CAROL")):
        assert _under(NEW, seeds[f"{email}@example.com"]) == secret
    assert _under(STRANGER, seeds["dan@example.com"]) == "DAN"  # left as it was
    assert _under(NEW, webhooks.endpoints()[0].secret) == "HOOK"
    setup = json.loads(ephemeral().get("setup:99", world.now))
    assert _under(NEW, setup["secret"]) == "SETUP"
    assert (setup["confirmed_step"], setup["expires_at"]) == (None, world.now + 60)
    again = _tallies(settings, world.now)
    assert again["users.auth_code"] == (0, 3, 1, None)
    assert again["pending 2FA setups"] == (0, 1, 0, None)


def test_without_a_key_nothing_moves(world):
    world.person()
    settings = replace(state().settings, secret_cipher=None, secret_newest=None)
    before = _seeds()
    tallies = keys.rotate_all(settings, world.now)
    assert all(t.skipped and (t.rotated, t.current) == (0, 0) for t in tallies)
    assert _seeds() == before


def test_a_value_rewritten_meanwhile_is_left_to_the_write_that_changed_it(world, monkeypatch):
    ada = world.person()
    stored = _seal(OLD, "ADA")
    get_db().execute("UPDATE users SET auth_code = ? WHERE id = ?", (stored, ada.id))
    rewritten = _seal(NEW, "ADA-NEW")
    original = sealed.swap

    def swap_after_a_write(column, row_key, old, new):
        users.enable_twofa(ada.id, rewritten, None)  # another request, under the newest key
        return original(column, row_key, old, new)

    monkeypatch.setattr(sealed, "swap", swap_after_a_write)
    tally = keys.rotate_all(_ring(NEW, OLD), world.now)[0]
    assert (tally.where, tally.rotated, tally.current) == ("users.auth_code", 0, 1)
    assert _seeds()["ada@example.com"] == rewritten
