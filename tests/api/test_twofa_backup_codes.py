"""Backup codes: generation, listing behind the password, and recovery with one."""

import re

from tests.conftest import PASSWORD

CODE_SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


def codes_for(twofa, access):
    response = twofa.post("2fa/backup-codes", access)
    assert response.status_code == 200, response.json
    return response.json["backupCodes"]


def test_ten_unambiguous_codes_stored_only_hashed_and_encrypted(twofa, db):
    access = twofa.access(twofa.user())
    codes = codes_for(twofa, access)
    assert len(codes) == len(set(codes)) == 10
    assert all(CODE_SHAPE.fullmatch(code) for code in codes)
    rows = db.fetch_all("SELECT code_hash, code_encrypted FROM backup_codes", ())
    stored = " ".join(r["code_hash"] + r["code_encrypted"] for r in rows)
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
    assert "New backup codes" in twofa.mailbox[-1].body
    assert codes[0] not in twofa.mailbox[-1].body


def test_both_paths_generate_and_a_new_set_kills_the_old(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    old = codes_for(twofa, access)
    new = twofa.post("2fa/generate-backup-codes", access).json["backupCodes"]
    assert not set(old) & set(new)
    refused = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": old[0]})
    assert refused.status_code == 401
    assert refused.json == {"success": False, "message": "Invalid backup code"}


def test_codes_need_2fa_on(twofa, db):
    access = twofa.access(twofa.user())
    db.execute("UPDATE users SET twofa_enabled = 0")
    response = twofa.post("2fa/backup-codes", access)
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "2FA is not enabled"}


def test_listing_needs_the_password_in_a_header_or_the_body(twofa):
    access = twofa.access(twofa.user())
    codes = codes_for(twofa, access)
    by_header = twofa.call("GET", "2fa/backup-codes", access, headers={"X-Password": PASSWORD})
    assert by_header.json == {"success": True, "backupCodes": codes, "remaining": 10}
    by_body = twofa.call("GET", "2fa/backup-codes", access, {"password": PASSWORD})
    assert by_body.json["remaining"] == 10
    wrong = twofa.call("GET", "2fa/backup-codes", access, headers={"X-Password": "nope-nope"})
    assert wrong.status_code == 401
    assert wrong.json == {"success": False, "message": "Invalid password"}
    in_query = twofa.call("GET", f"2fa/backup-codes?password={PASSWORD}", access)
    assert in_query.status_code == 400


def test_recover_uses_a_code_up_in_any_case_with_or_without_dashes(twofa):
    secret = twofa.user()
    codes = codes_for(twofa, twofa.access(secret))
    typed = codes[3].lower().replace("-", " ")
    response = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": typed})
    assert response.status_code == 200
    body = response.json
    assert body["message"] == "2FA verification successful"
    assert body["remainingBackupCodes"] == 9
    assert body["tokenType"] == "Bearer" and body["accessToken"]
    assert "backup code was used" in twofa.mailbox[-1].body
    again = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[3]})
    assert again.status_code == 401
    listing = twofa.call("GET", "2fa/backup-codes", body["accessToken"], {"password": PASSWORD})
    assert codes[3] not in listing.json["backupCodes"] and listing.json["remaining"] == 9


def test_a_code_of_another_user_does_not_recover(twofa):
    alice = twofa.user()
    codes = codes_for(twofa, twofa.access(alice))
    twofa.user(email="bob@example.com", phone="250788000002")
    response = twofa.post(
        "2fa/recover", twofa.challenge("bob@example.com"), {"backup_code": codes[0]}
    )
    assert response.status_code == 401


def test_recover_needs_a_challenge_token_and_counts_failures(twofa):
    secret = twofa.user()
    codes = codes_for(twofa, twofa.access(secret))
    challenge = twofa.challenge()
    for _ in range(5):
        assert twofa.post("2fa/recover", challenge, {"backup_code": "AAAA-AAAA"}).status_code == 401
    assert twofa.post("2fa/recover", challenge, {"backup_code": codes[0]}).status_code == 401
    assert twofa.post("2fa/recover", body={"backup_code": codes[0]}).status_code == 401


def test_the_access_token_from_recover_works(twofa):
    secret = twofa.user()
    codes = codes_for(twofa, twofa.access(secret))
    token = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]}).json[
        "accessToken"
    ]
    assert twofa.post("2fa/backup-codes", token).status_code == 200
