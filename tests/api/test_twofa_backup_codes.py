"""Backup codes: generation behind step-up, how many are left, and recovery with one (their
shape and storage, hashed only: tests/domain/flows/test_enrolment.py)."""

from tests.helpers import PASSWORD


def codes_for(twofa, secret):
    """A fresh login and a set of codes; (codes, the access token that works now)."""
    return twofa.backup_codes(twofa.access(secret), secret)


def test_making_codes_needs_the_password_and_a_second_factor(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    assert twofa.post("2fa/backup-codes", access).status_code == 400  # no password at all
    no_code = twofa.post("2fa/backup-codes", access, {"password": PASSWORD})
    assert no_code.json == {"success": False, "message": "2FA code required"}
    wrong = twofa.post("2fa/backup-codes", access, twofa.step_up(secret, password="nope-nope"))
    assert wrong.json == {"success": False, "message": "Invalid password"}


def test_new_codes_end_every_earlier_token_and_hand_back_a_fresh_one(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    response = twofa.post("2fa/backup-codes", access, twofa.step_up(secret))
    assert response.status_code == 200
    assert response.json["tokenType"] == "Bearer"
    assert twofa.call("GET", "2fa/backup-codes", access).status_code == 401
    fresh = response.json["accessToken"]
    assert twofa.call("GET", "2fa/backup-codes", fresh).status_code == 200


def test_both_paths_generate_and_a_new_set_kills_the_old(twofa):
    secret = twofa.user()
    old, access = codes_for(twofa, secret)
    response = twofa.post("2fa/generate-backup-codes", access, twofa.step_up(secret))
    new = response.json["backupCodes"]
    assert not set(old) & set(new)
    refused = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": old[0]})
    assert refused.status_code == 401
    assert refused.json == {"success": False, "message": "Invalid backup code"}


def test_a_backup_code_is_a_second_factor_for_step_up(twofa):
    secret = twofa.user()
    codes, access = codes_for(twofa, secret)
    response = twofa.post("2fa/backup-codes", access, {"password": PASSWORD, "otp": codes[0]})
    assert response.status_code == 200
    assert "backup code was used" in twofa.mailbox[-2].text


def test_codes_need_2fa_on(twofa, db):
    secret = twofa.user()
    access = twofa.access(secret)
    db.execute("UPDATE users SET twofa_enabled = 0")
    response = twofa.post("2fa/backup-codes", access, twofa.step_up(secret))
    assert response.status_code == 400
    assert response.json == {"success": False, "message": "2FA is not enabled"}


def test_the_codes_are_never_shown_again_only_how_many_are_left(twofa):
    codes, access = codes_for(twofa, twofa.user())
    by_header = twofa.call("GET", "2fa/backup-codes", access, headers={"X-Password": PASSWORD})
    assert by_header.json == {"success": True, "remaining": 10}
    by_body = twofa.call("GET", "2fa/backup-codes", access, {"password": PASSWORD})
    assert by_body.json == {"success": True, "remaining": 10}
    for code in codes:
        assert code not in by_header.text + by_body.text


def test_recover_uses_a_code_up_in_any_case_with_or_without_dashes(twofa):
    codes, _ = codes_for(twofa, twofa.user())
    typed = codes[3].lower().replace("-", " ")
    response = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": typed})
    assert response.status_code == 200
    body = response.json
    assert body["message"] == "2FA verification successful"
    assert body["remainingBackupCodes"] == 9
    assert body["tokenType"] == "Bearer" and body["accessToken"]
    assert "backup code was used" in twofa.mailbox[-1].text
    again = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[3]})
    assert again.status_code == 401
    left = twofa.call("GET", "2fa/backup-codes", body["accessToken"])
    assert left.json == {"success": True, "remaining": 9}


def test_a_code_of_another_user_does_not_recover(twofa):
    codes, _ = codes_for(twofa, twofa.user())
    twofa.user(email="bob@example.com", phone="250788000002")
    response = twofa.post(
        "2fa/recover", twofa.challenge("bob@example.com"), {"backup_code": codes[0]}
    )
    assert response.status_code == 401


def test_recover_needs_a_challenge_token_and_counts_failures(twofa):
    codes, _ = codes_for(twofa, twofa.user())
    challenge = twofa.challenge()
    for _ in range(5):
        assert twofa.post("2fa/recover", challenge, {"backup_code": "AAAA-AAAA"}).status_code == 401
    assert twofa.post("2fa/recover", challenge, {"backup_code": codes[0]}).status_code == 401
    assert twofa.post("2fa/recover", body={"backup_code": codes[0]}).status_code == 401


def test_the_access_token_from_recover_works(twofa):
    secret = twofa.user()
    codes, _ = codes_for(twofa, secret)
    token = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]}).json[
        "accessToken"
    ]
    assert twofa.post("2fa/backup-codes", token, twofa.step_up(secret)).status_code == 200
