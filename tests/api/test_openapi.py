"""/openapi.json and /docs: the contract generated from the code, valid, committed, served."""

import json
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from mfa_api.api import openapi
from tests.helpers import make_app

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


@pytest.fixture
def dev_app(app_config, monkeypatch):
    """An app as `make run` and `make openapi` start it (FLASK_DEBUG=1)."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    return make_app(app_config)


def test_the_committed_document_is_the_generated_one(dev_app):
    served = dev_app.test_client().get("/openapi.json")
    assert served.status_code == 200 and served.mimetype == "application/json"
    assert served.get_data(as_text=True) == COMMITTED.read_text(), (
        "docs/openapi.json is stale: run make openapi"
    )


def test_the_document_is_valid_openapi_3_1():
    document = json.loads(COMMITTED.read_text())
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_of_both_faces_is_documented(dev_app):
    document = openapi.build(dev_app)
    documented = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item
    }
    for rule in dev_app.url_map.iter_rules():
        if rule.endpoint.startswith(("twofa.", "phone.", "account.", "dev.")):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)
    for endpoint in ("register", "login", "verify", "index.php"):
        assert ("/mfa-php/api/" + endpoint, "POST") in documented


def test_operations_say_their_tokens_limits_and_error_bodies():
    paths = json.loads(COMMITTED.read_text())["paths"]
    verify = paths["/api/auth/2fa/verify"]["post"]
    assert verify["security"] == [{"challengeToken": []}, {"accessToken": []}]
    assert "RATELIMIT_2FA_VERIFY" in verify["description"]
    assert "Retry-After" in verify["responses"]["429"]["headers"]
    error = verify["responses"]["401"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/TwoFaError"}
    register = paths["/mfa-php/api/register"]["post"]
    assert register["security"] == []
    legacy_error = register["responses"]["400"]["content"]["application/json"]["schema"]
    assert legacy_error == {"$ref": "#/components/schemas/LegacyError"}
    index = paths["/mfa-php/api/index.php"]["post"]
    assert index["parameters"][0]["name"] == "path"
    assert len(index["requestBody"]["content"]["application/json"]["schema"]["oneOf"]) == 3


def test_the_docs_page_loads_its_assets_from_the_app_itself(dev_app):
    client = dev_app.test_client()
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/docs/") for asset in assets)  # no CDN
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.get_data()) > 100
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "<script>" not in html  # no inline script: the policy allows none
    assert client.get("/docs/start.js").get_data(as_text=True).count("/openapi.json") == 1


@pytest.mark.parametrize(("setting", "served"), [(None, False), (True, True), (False, False)])
def test_outside_development_docs_are_a_setting(app_config, setting, served, monkeypatch):
    import mfa_api.config

    monkeypatch.setattr(mfa_api.config, "development", lambda app: False)
    app_config.update(DOCS_ENABLED=setting)
    client = make_app(app_config).test_client()
    assert (client.get("/docs").status_code == 200) is served
    assert client.get("/openapi.json").status_code == 200
