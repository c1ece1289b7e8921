"""Rate limits: per user on the 2FA face, per IP (and email) on logins; 429 in each face's shape."""

import pytest
import redis

from tests.helpers import PASSWORD, make_app
from tests.services import fresh_redis_prefix

EMAIL = "alice@example.com"


@pytest.fixture
def limits_on(store_config):
    """Rate limiting as in production (ask for it before `twofa`); the account counters' back-off
    is pushed out of the way, so that only the request rate limits are under test here."""
    store_config.update(RATELIMIT_ENABLED=True, BACKOFF_AFTER=50, ACCOUNT_BACKOFF_AFTER=50)
    return store_config


def assert_limited(response, shape_key):
    assert response.status_code == 429
    assert response.json["success"] is False
    assert shape_key in response.json
    assert int(response.headers["Retry-After"]) > 0


def test_2fa_verify_allows_10_per_5_minutes_per_user(limits_on, twofa):
    twofa.user()
    twofa.user(email="bob@example.com", phone="250788000002")
    for _ in range(2):  # a challenge takes MAX_FAILED_ATTEMPTS (5) wrong codes, then dies
        challenge = twofa.challenge()
        for _ in range(5):
            assert twofa.post("2fa/verify", challenge, {"otp": "000000"}).status_code == 401
    assert_limited(twofa.post("2fa/verify", challenge, {"otp": "000000"}), "message")
    assert_limited(twofa.post("2fa/verify", twofa.challenge(), {"otp": "000000"}), "message")
    bob = twofa.challenge("bob@example.com")
    assert twofa.post("2fa/verify", bob, {"otp": "000000"}).status_code == 401


def test_resend_allows_3_per_15_minutes(limits_on, twofa):
    twofa.user()
    challenge = twofa.challenge()
    for _ in range(3):
        assert twofa.post("2fa/resend-otp", challenge).status_code == 200
    assert_limited(twofa.post("2fa/resend-otp", challenge), "message")


def test_recover_and_setup_allow_5_per_15_minutes(limits_on, twofa):
    secret = twofa.user()
    challenge = twofa.challenge()
    wrong = {"backup_code": "AAAA-BBBB-CCCC-DDDD"}
    for _ in range(5):
        assert twofa.post("2fa/recover", challenge, wrong).status_code == 401
    assert_limited(twofa.post("2fa/recover", challenge, wrong), "message")
    access = twofa.without_2fa(secret)
    for _ in range(5):
        assert twofa.post("2fa/setup", access).status_code == 200
    assert_limited(twofa.post("2fa/setup", access), "message")


def test_mfa_php_login_allows_10_per_5_minutes_per_ip_and_email(limits_on, twofa):
    body = {"email": EMAIL, "password": "wrong-password"}
    for _ in range(10):
        assert twofa.legacy.post("login", body).status_code == 401
    assert_limited(twofa.legacy.post("index.php?path=login", body), "error")
    other = twofa.legacy.post("login", {**body, "email": "other@example.com"})
    assert other.status_code == 401
    assert twofa.legacy.post("verify", {**body, "email_otp": "123456"}).status_code == 404


def test_mfa_php_register_allows_5_per_15_minutes_per_ip(limits_on, twofa):
    for n in range(5):
        twofa.legacy.register(email=f"u{n}@example.com", phone=f"25078800000{n}")
    response = twofa.legacy.post(
        "register",
        {"names": "X", "email": "x@example.com", "phone": "250788999999", "password": PASSWORD},
    )
    assert_limited(response, "error")


@pytest.fixture
def tight_login(limits_on):
    limits_on["RATELIMIT_LOGIN"] = "2 per minute"


def test_a_limit_can_be_set(tight_login, twofa):
    body = {"email": EMAIL, "password": "wrong-password"}
    assert [twofa.post("login", body=body).status_code for _ in range(3)] == [401, 401, 429]


@pytest.fixture
def behind_one_proxy(tight_login, limits_on):
    limits_on["PROXY_COUNT"] = 1


def test_behind_a_proxy_the_forwarded_client_ip_is_the_key(behind_one_proxy, twofa):
    body = {"email": EMAIL, "password": "wrong-password"}

    def from_ip(ip):
        return twofa.post("login", body=body, headers={"X-Forwarded-For": ip}).status_code

    assert [from_ip("10.0.0.1") for _ in range(3)] == [401, 401, 429]
    assert from_ip("10.0.0.2") == 401


def test_without_proxy_count_a_forged_forwarded_header_does_not_dodge_the_limit(tight_login, twofa):
    body = {"email": EMAIL, "password": "wrong-password"}
    codes = [
        twofa.post("login", body=body, headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(3)
    ]
    assert codes == [401, 401, 429]


def test_with_redis_the_counts_live_in_redis(app_config):
    with fresh_redis_prefix() as (url, prefix):
        app_config.update(REDIS_URL=url, REDIS_PREFIX=prefix, RATELIMIT_ENABLED=True)
        client = make_app(app_config).test_client()
        client.post("/api/auth/login", json={"email": EMAIL, "password": "wrong-password"})
        keys = list(redis.Redis.from_url(url).scan_iter(match=f"*{prefix}*"))
        assert keys, "no rate-limit counter under this app's prefix"


def test_an_app_after_one_on_sentinels_still_counts_in_its_own_redis(app_config):
    """flask-limiter keeps storage options from app to app: the first app's Sentinel options
    made the next app's plain Redis storage fail, and its limits count in memory."""
    sentinels = "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster/3"
    make_app({**app_config, "REDIS_URL": sentinels, "RATELIMIT_ENABLED": True})
    test_with_redis_the_counts_live_in_redis(app_config)


@pytest.fixture
def tight_step_up(limits_on):
    limits_on["RATELIMIT_STEP_UP"] = "3 per minute"


def test_step_up_routes_share_one_budget_per_user(tight_step_up, twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    wrong = {"password": "not-the-password"}
    statuses = [twofa.post("2fa/backup-codes", access, wrong).status_code]
    statuses += [twofa.post("2fa/disable", access, {"password": "nope-nope"}).status_code]
    statuses += [
        twofa.post(
            "password", access, {"current_password": "x", "new_password": "Not-Common-Pw-9"}
        ).status_code
    ]
    statuses += [twofa.call("DELETE", "account", access, {"password": PASSWORD}).status_code]
    assert statuses == [401, 401, 401, 429]


FORGED = "<img src=x onerror=alert(1)> forged=yes"


def test_a_forwarded_address_that_is_not_an_ip_is_not_the_key(behind_one_proxy, twofa):
    body = {"email": EMAIL, "password": "wrong-password"}

    def forged(n):
        headers = {"X-Forwarded-For": f"{FORGED} {n}"}
        return twofa.post("login", body=body, headers=headers).status_code

    assert [forged(n) for n in range(3)] == [401, 401, 429]  # one client: the socket's address
