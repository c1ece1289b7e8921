"""The mfa-php face's HTTP conventions: routing, bodies, JSON errors, limits and CORS."""

import pytest
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge

from mfa_api import create_app
from tests.helpers import PREFIX, make_app

LOGIN = {"email": "nobody@example.com", "password": "whatever-pass"}


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/login/",
        "/index.php?path=login",
        "/index.php?path=login/",
        "/?path=login",
        "?path=login",
        "/index.php/login",
    ],
)
def test_every_mfa_php_route_form_reaches_the_endpoint(legacy, path):
    response = legacy.client.post(PREFIX + path, json=LOGIN)
    assert response.status_code == 401
    assert response.json == {"success": False, "error": "Invalid credentials"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json"])
def test_body_is_json_whatever_the_content_type(legacy, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = legacy.client.post(
        PREFIX + "/login", data='{"email": "x@y.z", "password": "p"}', headers=headers
    )
    assert response.status_code == 401


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_a_400(legacy, body):
    response = legacy.client.post(PREFIX + "/register", data=body)
    assert response.status_code == 400
    assert response.json == {"success": False, "error": "Invalid JSON data"}


@pytest.mark.parametrize("path", ["/nothing", "/index.php?path=nothing", "/index.php", "/"])
def test_an_unknown_endpoint_gets_mfa_php_404(legacy, path):
    response = legacy.client.post(PREFIX + path, json={})
    name = "nothing" if "nothing" in path else ""
    assert response.status_code == 404
    assert response.json == {"status": "error", "message": f"Endpoint not found: '{name}'"}


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_a_method_other_than_post_is_a_405(legacy, method):
    response = getattr(legacy.client, method)(PREFIX + "/verify")
    assert response.status_code == 405
    assert response.json == {"success": False, "error": "Method not allowed"}
    assert response.content_type == "application/json"
    assert response.headers["Allow"] == "POST, OPTIONS"


def test_a_body_over_64_kib_is_a_413_in_json(legacy):
    response = legacy.client.post(PREFIX + "/register", data="x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.content_type == "application/json"
    assert response.json["success"] is False


@pytest.mark.parametrize(
    ("refusal", "message"),
    [
        (RequestURITooLarge, "Request URI too long"),
        (RequestHeaderFieldsTooLarge, "Request headers too large"),
    ],
)
def test_werkzeug_s_414_and_431_are_json_in_each_face(app_config, refusal, message):
    app = make_app(app_config)

    @app.before_request
    def refuse():
        raise refusal()

    client = app.test_client()
    legacy = client.post(PREFIX + "/login", json=LOGIN)
    assert (legacy.status_code, legacy.json) == (refusal.code, {"success": False, "error": message})
    twofa = client.post("/api/auth/login", json=LOGIN)
    assert twofa.json == {"success": False, "message": message}
    assert twofa.content_type == "application/json"


def test_paths_outside_the_faces_get_json_404(legacy):
    response = legacy.client.get("/no/such/page")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.json == {"success": False, "message": "Not found"}


def test_an_unexpected_error_is_a_json_500_without_internals(legacy, monkeypatch, caplog):
    from mfa_api.services.flows import login

    def explode(**_):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(login, "start_login", explode)
    response = legacy.post("login", LOGIN)
    assert response.status_code == 500
    assert response.content_type == "application/json"
    assert response.json["error"] == "Internal server error"
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert response.json["requestId"] == response.headers["X-Request-Id"]
    assert "secret internal detail" in caplog.text


def test_cors_allows_any_origin_by_default_as_mfa_php_did(legacy):
    response = legacy.post("login", LOGIN, headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_gets_204_with_methods_and_headers(legacy):
    response = legacy.client.options(
        PREFIX + "/register",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"]
    assert allowed == "Content-Type, Authorization, X-Password"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_allows_every_method_a_route_takes(legacy):
    """A browser refuses a method the preflight leaves out: PATCH renames a passkey."""
    response = legacy.client.options(
        "/api/auth/passkeys/1",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH"},
    )
    allowed = set(response.headers["Access-Control-Allow-Methods"].split(", "))
    rules = legacy.client.application.url_map.iter_rules()
    taken = {m for rule in rules if rule.rule.startswith("/api/") for m in rule.methods}
    assert "PATCH" in allowed and taken - {"HEAD"} <= allowed


def test_cors_origins_setting_limits_who_is_allowed(app_config):
    app_config["CORS_ORIGINS"] = ["https://good.example"]
    client = create_app(app_config).test_client()
    good = client.options(PREFIX + "/login", headers={"Origin": "https://good.example"})
    bad = client.options(PREFIX + "/login", headers={"Origin": "https://evil.example"})
    assert good.headers["Access-Control-Allow-Origin"] == "https://good.example"
    assert "Access-Control-Allow-Origin" not in bad.headers
    assert "Origin" in good.headers["Vary"]


def test_the_prefix_is_a_setting(app_config):
    app_config["LEGACY_PREFIX"] = "/api/v1"
    client = make_app(app_config).test_client()
    assert client.post("/api/v1/login", json=LOGIN).status_code == 401
    assert client.post(PREFIX + "/login", json=LOGIN).status_code == 404


PROTECTIVE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def test_every_answer_carries_the_protective_headers(legacy):
    register = {"names": "A", "email": "b@example.com", "phone": "1234567", "password": "Pw-123456"}
    answers = [
        legacy.post("register", register),  # a secret and a QR code in it
        legacy.post("login", LOGIN),  # an error
        legacy.client.get("/no/such/page"),  # a 404 outside the faces
        legacy.client.options(PREFIX + "/login", headers={"Origin": "https://a.example"}),
    ]
    assert answers[0].status_code == 200
    for response in answers:
        for name, value in PROTECTIVE.items():
            assert response.headers[name] == value, (name, response.status_code)
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_the_setting_says_https(app_config):
    app_config["HSTS_SECONDS"] = 31536000
    response = make_app(app_config).test_client().post(PREFIX + "/login", json=LOGIN)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_browser_code_may_read_retry_after_the_request_id_and_the_limits(legacy):
    response = legacy.post("login", LOGIN, headers={"Origin": "https://app.example"})
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", "X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining"} <= exposed
