"""Redis unreachable: logins keep working (limits counted per worker), tokens and their
revocations too (they live in the database); only what Redis holds (a pending setup) is a 503."""

from tests.helpers import PASSWORD, LegacyClient, TwoFaClient, make_app, recorded_mail
from tests.smtp import free_port


def test_with_redis_down_limits_fall_back_and_token_routes_answer_503(app_config):
    app_config.update(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN="2 per minute",
    )
    app = make_app(app_config)
    client = app.test_client()
    with recorded_mail(app) as mailbox:
        secret = LegacyClient(client, mailbox).enrolled()
    body = {"email": "alice@example.com", "password": "wrong-password"}
    codes = [client.post("/mfa-php/api/login", json=body).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    login = client.post(
        "/api/auth/login", json={"email": "other@example.com", "password": PASSWORD}
    )
    assert login.status_code == 401
    assert secret


def test_with_redis_down_tokens_and_logouts_work_and_a_setup_is_a_fast_503(app_config):
    app_config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    app = make_app(app_config)
    client = TwoFaClient(app, [])
    with recorded_mail(app) as mailbox:
        client.mailbox = mailbox
        client.legacy.mailbox = mailbox
        access = client.without_2fa(client.user())
    assert client.post("logout", access).status_code == 200
    assert client.post("2fa/setup", access).status_code == 401  # revoked, in the database
    fresh = client.post("login", body={"email": "alice@example.com", "password": PASSWORD})
    access = fresh.json["accessToken"]
    for _ in range(2):  # the second without waiting on Redis: its breaker is open
        setup = client.post("2fa/setup", access)
        assert setup.status_code == 503
        assert setup.json == {"success": False, "message": "Cache unavailable"}
