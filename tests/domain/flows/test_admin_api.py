"""services/flows/api_keys.py and admin_api.py called directly: keys made, checked and revoked
(only a hash kept), what the admin API adds to an account's summary, the event stream's cursor
and lag, and each call audited with its key and never its secret."""

from __future__ import annotations

import pytest

from mfa_api.db import get_db
from mfa_api.errors import InvalidInput, NotFound
from mfa_api.services import audit
from mfa_api.services.flows import admin_api, api_keys
from mfa_api.store.api_keys import ApiKey

DAY = 86400


@pytest.mark.parametrize(
    ("name", "scopes", "days", "message"),
    [
        ("  ", ["users:read"], None, "The name must be 1 to 100 characters"),
        ("x" * 101, ["users:read"], None, "The name must be 1 to 100 characters"),
        ("crm", [], None, "Scopes are some of"),
        ("crm", ["users:read", "users:delete"], None, r"\(not users:delete\)"),
        ("crm", ["users:read"], 0, "--expires-days must be 1 or more"),
    ],
)
def test_create_refuses_bad_names_scopes_and_lifetimes(world, name, scopes, days, message):
    with pytest.raises(InvalidInput, match=message):
        api_keys.create(name, scopes, days, world.now)
    assert not api_keys.enabled()


def test_a_key_is_given_once_and_only_its_hash_is_kept(world):
    assert not api_keys.enabled()
    key, whole = api_keys.create(" crm ", ["events:read", "users:read"], 30, world.now)
    assert whole.startswith(f"mfa_ak_{key.id}_") and len(whole) == len("mfa_ak_") + 8 + 1 + 43
    assert (key.name, key.scopes, key.expires_at) == (
        "crm",
        ("users:read", "events:read"),  # in the order SCOPES lists them
        world.now + 30 * DAY,
    )
    secret = whole.rsplit("_", 1)[1]
    assert secret not in str(get_db().fetch_all("SELECT * FROM api_keys", ()))
    assert api_keys.enabled()
    assert [k.id for k in api_keys.listed()] == [key.id]


def test_a_presented_key_is_taken_only_while_it_is_whole_unrevoked_and_unexpired(world):
    key, whole = api_keys.create("crm", ["users:read"], 1, world.now)
    other = whole[:-1] + ("A" if whole[-1] != "A" else "B")
    unknown = f"mfa_ak_{'0' * 8 if not key.id.startswith('0') else 'f' * 8}_{whole[-43:]}"
    assert api_keys.check("Bearer nonsense", world.now).reason == "malformed"
    assert api_keys.check(unknown, world.now).reason == "unknown"
    assert (api_keys.check(other, world.now).reason, api_keys.check(other, world.now).key.id) == (
        "wrong",
        key.id,
    )
    taken = api_keys.check(whole, world.now + 5)
    assert isinstance(taken, ApiKey) and taken.id == key.id
    assert api_keys.listed()[0].last_used_at == world.now + 5
    assert api_keys.check(whole, world.now + DAY).reason == "expired"
    api_keys.revoke(key.id, world.now)
    assert api_keys.check(whole, world.now).reason == "revoked"
    with pytest.raises(NotFound):
        api_keys.revoke(key.id, world.now)
    assert api_keys.enabled()  # a revoked key still keeps the face on


def test_the_account_counts_its_devices_and_its_back_off(world):
    ada = world.person()
    world.remember_device(ada)
    get_db().execute(
        "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, updated_at) "
        "VALUES ('second-factor', ?, 3, ?, ?)",
        (ada.email, world.now + 40, world.now),
    )
    shown = admin_api.account("Ada@example.com", world.ctx())
    assert (shown.summary.id, shown.passkeys, shown.remembered_devices) == (ada.id, 0, 1)
    assert shown.backoff_until == world.now + 40
    assert not shown.summary.second_factor_locked
    assert world.events(ada.id)[-1] == (audit.ADMIN_VIEWED, {"what": "summary"})


def test_unlock_through_the_api_needs_an_account(world):
    with pytest.raises(NotFound):
        admin_api.unlock("pending@example.com", world.ctx())


def test_the_feed_pages_every_accounts_events_in_time_order_behind_the_lag(world):
    ada, bob = world.person(), world.person("bob@example.com", "250788000002")
    for who, event in ((ada, audit.LOGIN_FAILED), (bob, audit.LOGIN_FAILED), (ada, audit.LOCKED)):
        audit.record(world.ctx(), who.id, event)
        world.later(1)
    audit.record(world.ctx(), bob.id, audit.UNLOCKED)  # younger than the lag: not yet
    world.later(world.ctx().settings.admin_events_lag_seconds - 1)
    seen, cursor = [], None
    for _ in range(5):
        page = admin_api.feed(None, cursor, 1, world.ctx())
        seen += [(e.email, e.event) for e in page.events]
        cursor = page.next_cursor
    assert seen == [
        (ada.email, audit.LOGIN_FAILED),
        (bob.email, audit.LOGIN_FAILED),
        (ada.email, audit.LOCKED),
    ]
    world.later(1)
    assert [e.event for e in admin_api.feed(None, cursor, 10, world.ctx()).events] == [
        audit.UNLOCKED
    ]
    with pytest.raises(InvalidInput, match="Invalid cursor") as refused:
        admin_api.feed(None, "not-a-cursor", 10, world.ctx())
    assert refused.value.errors == {"cursor": ["Invalid cursor"]}


def test_a_call_is_audited_with_its_key_and_never_its_secret(world):
    key, whole = api_keys.create("crm", ["users:write"], None, world.now)
    admin_api.record_call(world.ctx(), key, "POST", "/api/admin/users/x/unlock", 200)
    [(event, detail)] = world.events(None)
    assert (event, detail) == (
        audit.ADMIN_API_CALL,
        {
            "key_id": key.id,
            "key_name": "crm",
            "method": "POST",
            "path": "/api/admin/users/x/unlock",
            "status": 200,
        },
    )
    rows = str(get_db().fetch_all("SELECT * FROM security_events", ()))
    assert whole.rsplit("_", 1)[1] not in rows and key.secret_hash not in rows
