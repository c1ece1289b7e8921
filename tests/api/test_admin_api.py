"""The admin API (/api/admin) over HTTP: scoped keys made by `flask api-keys`, every refusal in
the 2FA face's error body, each call audited with the key's id and never its secret."""

import pytest

from tests.helpers import CLOCK, PASSWORD, wrong_totp

EMAIL = "alice@example.com"
ALL_SCOPES = "users:read,users:write,events:read"


@pytest.fixture
def keys(twofa_app):
    """Runs `flask api-keys <args>`; create() gives the printed key."""

    class Keys:
        def run(self, *args, code=0):
            result = twofa_app.test_cli_runner().invoke(args=["api-keys", *args])
            assert result.exit_code == code, result.output
            return result.output

        def create(self, scopes=ALL_SCOPES, name="crm", *extra):
            output = self.run("create", "--name", name, "--scopes", scopes, *extra)
            return output.strip().splitlines()[-1]

    return Keys()


@pytest.fixture
def call(twofa):
    """A request to /api/admin/<path> with the key as a bearer token."""

    def send(method, path, key=None, **kwargs):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return twofa.client.open("/api/admin/" + path, method=method, headers=headers, **kwargs)

    return send


def key_id(key: str) -> str:
    return key.split("_")[2]


def test_without_any_key_the_face_is_off(twofa, call, keys):
    twofa.user()
    refused = call("GET", f"users/{EMAIL}", "mfa_ak_00000000_" + "x" * 43)
    assert refused.status_code == 404 and refused.json == {"success": False, "message": "Not found"}
    assert call("GET", f"users/{EMAIL}").status_code == 404
    keys.create()
    assert call("GET", f"users/{EMAIL}").status_code == 401


def test_a_key_is_printed_once_and_only_its_hash_is_kept(keys, db):
    key = keys.create()
    assert key.startswith("mfa_ak_") and len(key.split("_", 3)[3]) == 43
    row = db.fetch_one("SELECT * FROM api_keys", ())
    assert row["id"] == key_id(key) and row["scopes"] == ALL_SCOPES
    assert key.split("_", 3)[3] not in str(row) and len(row["secret_hash"]) == 64
    listed = keys.run("list")
    assert key_id(key) in listed and "crm" in listed and key.split("_", 3)[3] not in listed


def test_the_account_as_the_admin_sees_it(twofa, call, keys):
    secret = twofa.user()
    twofa.post("2fa/verify", twofa.challenge(), {"otp": wrong_totp(secret)})
    shown = call("GET", "users/ALICE%40Example.com", keys.create("users:read"))
    assert shown.status_code == 200, shown.json
    user = shown.json["user"]
    assert user["email"] == EMAIL and user["twofaEnabled"] is True
    assert user["backupCodesLeft"] == 0 and user["passkeys"] == 0
    assert user["rememberedDevices"] == 0 and user["locked"] is False
    assert user["phone"].endswith("001") and "250788000001" not in str(shown.json)
    assert user["created"] and user["phoneVerified"] is False
    assert secret not in shown.get_data(as_text=True)


def test_an_unknown_user_is_404(twofa, call, keys):
    response = call("GET", "users/nobody@example.com", keys.create())
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
def test_a_wrong_key_is_401(twofa, call, keys, mangle, message):
    twofa.user()
    key = keys.create()
    headers = {"Authorization": mangle(key) if message is None else f"Bearer {mangle(key)}"}
    response = twofa.client.get(f"/api/admin/users/{EMAIL}", headers=headers)
    assert response.status_code == 401
    assert response.json["success"] is False
    assert response.json["message"] == (
        message or "Missing API key (Authorization: Bearer mfa_ak_…)"
    )


def test_a_revoked_key_is_401(twofa, call, keys):
    twofa.user()
    key = keys.create()
    assert call("GET", f"users/{EMAIL}", key).status_code == 200
    assert "revoked" in keys.run("revoke", key_id(key))
    response = call("GET", f"users/{EMAIL}", key)
    assert response.status_code == 401 and response.json["message"] == "API key revoked"
    assert "revoked=" in keys.run("list") and "revoked=-" not in keys.run("list")
    keys.run("revoke", key_id(key), code=1)  # once


def test_an_expired_key_is_401(twofa, call, keys):
    twofa.user()
    key = keys.create(ALL_SCOPES, "short", "--expires-days", "1")
    assert call("GET", f"users/{EMAIL}", key).status_code == 200
    CLOCK.advance(86400)
    response = call("GET", f"users/{EMAIL}", key)
    assert response.status_code == 401 and response.json["message"] == "API key expired"


def test_a_key_without_the_scope_is_403(twofa, call, keys):
    twofa.user()
    key = keys.create("events:read")
    response = call("GET", f"users/{EMAIL}", key)
    assert response.status_code == 403
    assert response.json == {"success": False, "message": "This key lacks the scope users:read"}


def test_create_refuses_unknown_scopes_and_bad_names(keys):
    assert "Scopes are some of" in keys.run("create", "--name", "x", "--scopes", "admin", code=1)
    assert "name" in keys.run("create", "--name", " ", "--scopes", "users:read", code=1)
    assert "off" in keys.run("list")


def test_every_call_is_audited_with_the_key_and_never_its_secret(twofa, call, keys, db, caplog):
    twofa.user()
    key, other = keys.create("users:read"), keys.create("events:read", "siem")
    call("GET", f"users/{EMAIL}", key)
    call("GET", f"users/{EMAIL}", other)  # 403: no users:read
    call("GET", f"users/{EMAIL}", key[:-1] + ("A" if key[-1] != "A" else "B"))
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


def test_the_rate_limit_counts_per_key(tight_admin_limit, twofa, call, keys):
    twofa.user()
    first, second = keys.create(), keys.create(name="siem")
    for _ in range(3):
        assert call("GET", f"users/{EMAIL}", first).status_code == 200
    refused = call("GET", f"users/{EMAIL}", first)
    assert refused.status_code == 429 and refused.json["success"] is False
    assert "Retry-After" in refused.headers
    assert call("GET", f"users/{EMAIL}", second).status_code == 200


def test_login_still_works_for_the_user_an_admin_looked_at(twofa, call, keys):
    twofa.user()
    call("GET", f"users/{EMAIL}", keys.create())
    assert twofa.post("login", body={"email": EMAIL, "password": PASSWORD}).status_code == 200
