"""A step-up answered with a backup code says how many codes remain, as /2fa/recover does, and
warns when few do: on every step-up route, and on an error after the code was used up."""

import pytest

from mfa_api.api.common import LINKS
from mfa_api.services.factors.backup import low_warning
from tests.api.test_twofa_phone import gateway  # noqa: F401 - the fixture, for /2fa/phone
from tests.helpers import PASSWORD

NEW_PASSWORD = "another-Passw0rd-42"


def codes_for(twofa, secret):
    """A fresh login and a set of ten codes; (codes, the access token that works now)."""
    return twofa.backup_codes(twofa.access(secret), secret)


ROUTES = [
    # method, path, body besides the second factor, status, codes the account holds after
    ("POST", "password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, 200, 9),
    ("POST", "passkeys/options", {"password": PASSWORD}, 200, 9),
    ("DELETE", "passkeys/999", {"password": PASSWORD}, 404, 9),  # refused after the code
    ("POST", "2fa/backup-codes", {"password": PASSWORD}, 200, 10),  # a new set
    ("POST", "2fa/disable", {"password": PASSWORD}, 200, 0),
    ("DELETE", "account", {"password": PASSWORD}, 200, 0),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "left"), ROUTES)
def test_every_step_up_route_says_how_many_backup_codes_remain(
    twofa, method, path, body, status, left
):
    codes, access = codes_for(twofa, twofa.user())
    response = twofa.call(method, path, access, {**body, "otp": codes[0]})
    assert response.status_code == status, response.json
    assert response.json["remainingBackupCodes"] == left
    assert "warning" not in response.json  # 9 and 10 are enough; with 0, 2FA is off or gone


def test_adding_a_phone_says_it_too(gateway, twofa):  # noqa: F811 - the fixture
    codes, access = codes_for(twofa, twofa.user())
    body = {"phone": "250788000099", "password": PASSWORD, "otp": codes[0]}
    response = twofa.post("2fa/phone", access, body)
    assert response.status_code == 200, response.json
    assert response.json["remainingBackupCodes"] == 9


def test_with_few_codes_left_the_step_up_warns_as_recover_does(twofa, db):
    codes, access = codes_for(twofa, twofa.user())
    ids = [row["id"] for row in db.fetch_all("SELECT id FROM backup_codes ORDER BY id", ())]
    for code_id in ids[:7]:
        db.execute("UPDATE backup_codes SET used_at = ? WHERE id = ?", (1, code_id))
    last_three = codes[7:]  # stored in the order they were shown
    body = {"password": PASSWORD, "otp": last_three[0]}
    response = twofa.post("passkeys/options", access, body)
    assert response.status_code == 200, response.json
    assert response.json["remainingBackupCodes"] == 2
    assert response.json["warning"] == low_warning(2, LINKS)
    assert response.json["warning"].startswith("Only 2 backup codes left: make a new set")
    recovered = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": last_three[1]})
    assert recovered.json["warning"] == low_warning(1, LINKS)
    last = twofa.post("passkeys/options", access, {**body, "otp": last_three[2]})
    assert last.json["remainingBackupCodes"] == 0
    assert last.json["warning"].startswith("No backup codes are left")


def test_a_step_up_with_a_totp_or_a_refused_code_says_nothing_of_backup_codes(twofa):
    secret = twofa.user()
    codes, access = codes_for(twofa, secret)
    with_totp = twofa.post("passkeys/options", access, twofa.step_up(secret))
    assert with_totp.status_code == 200
    assert "remainingBackupCodes" not in with_totp.json
    refused = twofa.post(
        "passkeys/options", access, {"password": PASSWORD, "otp": "AAAA-AAAA-AAAA-AAAA"}
    )
    assert refused.status_code == 401
    assert refused.json == {"success": False, "message": "Invalid code"}
