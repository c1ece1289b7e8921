"""Redis unreachable: logins keep working (limits counted per worker); revocation fails closed."""

from tests.helpers import PASSWORD, LegacyClient, make_app, recorded_mail
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


def test_a_valid_token_with_redis_down_is_a_503_not_a_pass(app_config):
    app_config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    app = make_app(app_config)
    client = app.test_client()
    with recorded_mail(app) as mailbox:
        LegacyClient(client, mailbox).enrolled()
    challenge = client.post(
        "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
    ).json["challengeToken"]
    response = client.post(
        "/api/auth/2fa/verify",
        json={"otp": "123456"},
        headers={"Authorization": f"Bearer {challenge}"},
    )
    assert response.status_code == 503
    assert response.json == {"success": False, "message": "Cache unavailable"}
