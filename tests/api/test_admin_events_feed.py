"""GET /api/admin/events: every account's events, oldest first, a page at a time; a follower of
nextCursor gets each event exactly once, in (time, id) order, even with equal times, ids that
run against time (Galera) and events committed after a page was read."""

from datetime import UTC, datetime

import pytest

from tests.helpers import CLOCK

LAG = 30


@pytest.fixture
def lag(store_config):
    store_config.update(ADMIN_EVENTS_LAG_SECONDS=LAG)


def add_event(db, at: int, name: str) -> None:
    db.execute(
        "INSERT INTO security_events (user_id, event, ip, user_agent, request_id, at, detail) "
        "VALUES (NULL, ?, '', '', '', ?, NULL)",
        (name, at),
    )


def rfc3339(at: int) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def follow(admin_call, key, since: int, limit: int = 1):
    """Page through the feed until an empty page; (events, the last cursor)."""
    seen, cursor = [], None
    while True:
        query = f"cursor={cursor}" if cursor else f"since={rfc3339(since)}"
        page = admin_call("GET", f"events?{query}&limit={limit}", key)
        assert page.status_code == 200, page.json
        cursor = page.json["nextCursor"]
        if not page.json["events"]:
            return seen, cursor
        seen += page.json["events"]


def test_paging_by_one_gives_every_event_once_in_time_order(lag, twofa, admin_call, admin_keys, db):
    key = admin_keys.create("events:read")
    start = int(CLOCK.now()) - 1000
    for n in range(3):
        add_event(db, start + 10, f"same_second_{n}")
    for n in range(2):  # higher ids, earlier time: as ids interleave on a Galera cluster
        add_event(db, start + 5, f"earlier_{n}")
    add_event(db, start - 1, "before_since")
    seen, _ = follow(admin_call, key, since=start)
    names = [e["event"] for e in seen]
    assert names == ["earlier_0", "earlier_1", "same_second_0", "same_second_1", "same_second_2"]
    assert len({e["id"] for e in seen}) == 5


def test_a_follower_misses_nothing_younger_than_the_lag_and_sees_nothing_twice(
    lag, twofa, admin_call, admin_keys, db
):
    key = admin_keys.create("events:read")
    now = int(CLOCK.now())
    add_event(db, now - 100, "old")
    add_event(db, now - 5, "young")  # within the lag: not yet
    seen, cursor = follow(admin_call, key, since=now - 200, limit=10)
    assert [e["event"] for e in seen] == ["old"]
    add_event(db, now - 10, "committed_late")  # a slow request's event, stamped earlier
    CLOCK.advance(LAG)
    page = admin_call("GET", f"events?cursor={cursor}&limit=100", key)
    names = [e["event"] for e in page.json["events"]]
    assert names[:2] == ["committed_late", "young"] and "old" not in names
    assert set(names[2:]) == {"admin_api_call"}  # the follower's own earlier calls, audited


def test_the_feed_names_each_events_account(twofa, admin_call, admin_keys):
    twofa.user()
    CLOCK.advance(60)
    page = admin_call("GET", "events?limit=1000", admin_keys.create("events:read"))
    registered = [e for e in page.json["events"] if e["event"] == "registered"]
    assert registered[0]["email"] == "alice@example.com" and registered[0]["userId"] == 1


@pytest.mark.parametrize(
    "query",
    ["cursor=nonsense", "since=yesterday", "since=2026-12-07T21:00:00", "limit=0", "limit=1001"],
)
def test_a_bad_query_is_400(twofa, admin_call, admin_keys, query):
    response = admin_call("GET", f"events?{query}", admin_keys.create("events:read"))
    assert response.status_code == 400 and response.json["success"] is False


def test_the_feed_needs_events_read(twofa, admin_call, admin_keys):
    assert (
        admin_call("GET", "events", admin_keys.create("users:read,users:write")).status_code == 403
    )
