"""The admin API (/api/admin) over HTTP: scoped keys made by `flask api-keys`, every refusal in
the 2FA face's error body, each call audited with the key's id and never its secret."""

import pytest

from tests.api.admin_helpers import ALL_SCOPES, key_id
from tests.helpers import CLOCK, PASSWORD, wrong_totp

EMAIL = "alice@example.com"


def test_without_any_key_the_face_is_off(twofa, admin_call, admin_keys):
    twofa.user()
    refused = admin_call("GET", f"users/{EMAIL}", "mfa_ak_00000000_" + "x" * 43)
    assert refused.status_code == 404 and refused.json == {"success": False, "message": "Not found"}
    assert admin_call("GET", f"users/{EMAIL}").status_code == 404
    admin_keys.create()
    assert admin_call("GET", f"users/{EMAIL}").status_code == 401


def test_a_key_is_printed_once_and_only_its_hash_is_kept(admin_keys, db):
    key = admin_keys.create()
    assert key.startswith("mfa_ak_") and len(key.split("_", 3)[3]) == 43
    row = db.fetch_one("SELECT * FROM api_keys", ())
    assert row["id"] == key_id(key) and row["scopes"] == ALL_SCOPES
    assert key.split("_", 3)[3] not in str(row) and len(row["secret_hash"]) == 64
    listed = admin_keys.run("list")
    assert key_id(key) in listed and "crm" in listed and key.split("_", 3)[3] not in listed


def test_the_account_as_the_admin_sees_it(twofa, admin_call, admin_keys):
    secret = twofa.user()
    twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    shown = admin_call("GET", "users/ALICE%40Example.com", admin_keys.create("users:read"))
    assert shown.status_code == 200, shown.json
    user = shown.json["user"]
    assert user["email"] == EMAIL and user["twofaEnabled"] is True
    assert user["backupCodesLeft"] == 0 and user["passkeys"] == 0
    assert user["rememberedDevices"] == 0 and user["locked"] is False
    assert user["phone"].endswith("001") and "250788000001" not in str(shown.json)
    assert user["created"] and user["phoneVerified"] is False
    assert secret not in shown.get_data(as_text=True)


def test_an_unknown_user_is_404(twofa, admin_call, admin_keys):
    response = admin_call("GET", "users/nobody@example.com", admin_keys.create())
    assert response.status_code == 404 and response.json["success"] is False


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), "Invalid API key"),  # wrong secret
        (lambda k: "mfa_ak_ffffffff_" + k.split("_", 3)[3], "Invalid API key"),  # unknown id
        (lambda k: k[:20], "Invalid API key"),  # malformed
        (lambda k: "Basic " + k, None),  # not a bearer token
    ],
)
def test_a_wrong_key_is_401(twofa, admin_call, admin_keys, mangle, message):
    twofa.user()
    key = admin_keys.create()
    headers = {"Authorization": mangle(key) if message is None else f"Bearer {mangle(key)}"}
    response = twofa.client.get(f"/api/admin/users/{EMAIL}", headers=headers)
    assert response.status_code == 401
    assert response.json["success"] is False
    assert response.json["message"] == (
        message or "Missing API key (Authorization: Bearer mfa_ak_…)"
    )


def test_a_revoked_key_is_401(twofa, admin_call, admin_keys):
    twofa.user()
    key = admin_keys.create()
    assert admin_call("GET", f"users/{EMAIL}", key).status_code == 200
    assert "revoked" in admin_keys.run("revoke", key_id(key))
    response = admin_call("GET", f"users/{EMAIL}", key)
    assert response.status_code == 401 and response.json["message"] == "API key revoked"
    assert "revoked=" in admin_keys.run("list") and "revoked=-" not in admin_keys.run("list")
    admin_keys.run("revoke", key_id(key), code=1)  # once


def test_an_expired_key_is_401(twofa, admin_call, admin_keys):
    twofa.user()
    key = admin_keys.create(ALL_SCOPES, "short", "--expires-days", "1")
    assert admin_call("GET", f"users/{EMAIL}", key).status_code == 200
    CLOCK.advance(86400)
    response = admin_call("GET", f"users/{EMAIL}", key)
    assert response.status_code == 401 and response.json["message"] == "API key expired"


def test_a_key_without_the_scope_is_403(twofa, admin_call, admin_keys):
    twofa.user()
    key = admin_keys.create("events:read")
    response = admin_call("GET", f"users/{EMAIL}", key)
    assert response.status_code == 403
    assert response.json == {"success": False, "message": "This key lacks the scope users:read"}


def test_create_refuses_unknown_scopes_and_bad_names(admin_keys):
    assert "Scopes are some of" in admin_keys.run(
        "create", "--name", "x", "--scopes", "admin", code=1
    )
    assert "name" in admin_keys.run("create", "--name", " ", "--scopes", "users:read", code=1)
    assert "off" in admin_keys.run("list")


def test_every_call_is_audited_with_the_key_and_never_its_secret(
    twofa, admin_call, admin_keys, db, caplog
):
    twofa.user()
    key, other = admin_keys.create("users:read"), admin_keys.create("events:read", "siem")
    admin_call("GET", f"users/{EMAIL}", key)
    admin_call("GET", f"users/{EMAIL}", other)  # 403: no users:read
    admin_call("GET", f"users/{EMAIL}", key[:-1] + ("A" if key[-1] != "A" else "B"))
    rows = db.fetch_all(
        "SELECT event, user_id, detail FROM security_events WHERE event = 'admin_api_call' "
        "ORDER BY id",
        (),
    )
    details = [row["detail"] for row in rows]
    assert len(rows) == 3 and all(row["user_id"] is None for row in rows)
    assert f'"key_id":"{key_id(key)}"' in details[0] and '"key_name":"crm"' in details[0]
    assert '"status":200' in details[0] and "refused" not in details[0]
    assert f'"key_id":"{key_id(other)}"' in details[1] and '"status":403' in details[1]
    assert '"refused":"wrong"' in details[2] and '"status":401' in details[2]
    everything = db.fetch_all("SELECT * FROM security_events", ())
    for secret in (key.split("_", 3)[3], other.split("_", 3)[3]):
        assert secret not in str(everything) and secret not in caplog.text
        assert secret not in str(db.fetch_all("SELECT * FROM api_keys", ()))
    assert "admin_viewed" in {r["event"] for r in everything}


@pytest.fixture
def tight_admin_limit(store_config):
    store_config.update(RATELIMIT_ENABLED=True, RATELIMIT_ADMIN="3 per minute")


def test_the_rate_limit_counts_per_key(tight_admin_limit, twofa, admin_call, admin_keys):
    twofa.user()
    first, second = admin_keys.create(), admin_keys.create(name="siem")
    for _ in range(3):
        assert admin_call("GET", f"users/{EMAIL}", first).status_code == 200
    refused = admin_call("GET", f"users/{EMAIL}", first)
    assert refused.status_code == 429 and refused.json["success"] is False
    assert "Retry-After" in refused.headers
    assert admin_call("GET", f"users/{EMAIL}", second).status_code == 200


def test_login_still_works_for_the_user_an_admin_looked_at(twofa, admin_call, admin_keys):
    twofa.user()
    admin_call("GET", f"users/{EMAIL}", admin_keys.create())
    assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 200


def test_no_browser_origin_is_allowed_on_the_admin_face(twofa, admin_keys):
    twofa.user()
    headers = {"Origin": "https://app.example", "Authorization": f"Bearer {admin_keys.create()}"}
    answer = twofa.client.get(f"/api/admin/users/{EMAIL}", headers=headers)
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers
    preflight = twofa.client.options(f"/api/admin/users/{EMAIL}", headers=headers)
    assert "Access-Control-Allow-Origin" not in preflight.headers
    elsewhere = twofa.client.get("/api/auth/me", headers={"Origin": "https://app.example"})
    assert elsewhere.headers["Access-Control-Allow-Origin"] == "*"
