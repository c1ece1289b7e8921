"""Refused codes that say why: a TOTP already used, a device clock that is off (and by about
how much), a backup code already used; and a warning when few backup codes remain."""

from tests.helpers import CLOCK, PASSWORD, totp

USED = "This code was already used; wait for the next one"


def refused(response, message: str) -> None:
    assert response.status_code == 401, response.json
    assert response.json == {"success": False, "message": message}


def failures_recorded(db) -> int:
    query = "SELECT COUNT(*) AS n FROM security_events WHERE event = 'second_factor_failed'"
    return db.fetch_one(query, ())["n"]


def test_a_totp_used_for_one_login_is_refused_for_the_next_as_already_used(twofa, db):
    secret = twofa.user()
    twofa.access(secret)  # uses the step of now
    response = twofa.post("2fa/verify", twofa.challenge(), {"otp": totp(secret)})
    refused(response, USED)
    assert failures_recorded(db) == 1  # still a failure, counted as every other


def test_a_code_from_a_clock_minutes_behind_is_refused_and_says_so(twofa, db):
    secret = twofa.user()
    CLOCK.advance(600)  # the sign-up's steps well behind
    challenge = twofa.challenge()
    behind = totp(secret, steps_ahead=-6)  # a device 3 minutes slow
    response = twofa.post("2fa/verify", challenge, {"otp": behind})
    refused(
        response,
        "Invalid code: your device's clock seems to be about 3 minutes behind; "
        "set it to the network time",
    )
    assert failures_recorded(db) == 1
    assert twofa.post("2fa/verify", challenge, {"otp": totp(secret)}).status_code == 200


def test_a_code_from_a_clock_ahead_is_refused_says_so_and_never_works_later(twofa):
    secret = twofa.user()
    ahead = totp(secret, steps_ahead=4)  # a device 2 minutes fast
    response = twofa.post("2fa/verify", twofa.challenge(), {"otp": ahead})
    refused(
        response,
        "Invalid code: your device's clock seems to be about 2 minutes ahead; "
        "set it to the network time",
    )
    # the user's codes of the steps before that one still work (only it is spent)
    CLOCK.advance(30)  # (the sign-up used the step of now)
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": totp(secret)}).status_code == 200
    CLOCK.advance(3 * 30)  # the time that code was for: told of it, nobody may use it now
    refused(twofa.post("2fa/verify", twofa.challenge(), {"otp": ahead}), USED)
    CLOCK.advance(30)
    assert twofa.post("2fa/verify", twofa.challenge(), {"otp": totp(secret)}).status_code == 200


def test_a_code_hours_off_is_only_invalid(twofa):
    secret = twofa.user()
    far = totp(secret, steps_ahead=-120)
    if far in {totp(secret, n) for n in range(-10, 11)}:
        far = "000000"  # (a code that happens to repeat nearby says nothing of the clock)
    refused(twofa.post("2fa/verify", twofa.challenge(), {"otp": far}), "Invalid code")


def test_step_up_says_a_code_was_already_used(twofa):
    secret = twofa.user()
    access = twofa.access(secret)
    response = twofa.post("2fa/disable", access, {"password": PASSWORD, "otp": totp(secret)})
    refused(response, USED)


def test_enabling_with_a_slow_clock_says_so(twofa):
    access = twofa.without_2fa(twofa.user())
    secret = twofa.post("2fa/setup", access).json["secretKey"]
    slow = totp(secret, steps_ahead=-4)
    response = twofa.post("2fa/enable", access, {"password": PASSWORD, "otp": slow})
    refused(
        response,
        "Invalid code: your device's clock seems to be about 2 minutes behind; "
        "set it to the network time",
    )


def test_a_backup_code_used_once_is_refused_as_already_used(twofa):
    secret = twofa.user()
    codes, access = twofa.backup_codes(twofa.access(secret), secret)
    assert (
        twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]}).status_code == 200
    )
    again = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": codes[0]})
    refused(again, "This backup code was already used")
    never = twofa.post("2fa/recover", twofa.challenge(), {"backup_code": "0000-0000-0000-0000"})
    refused(never, "Invalid backup code")
    step_up = {"password": PASSWORD, "otp": codes[0]}
    refused(
        twofa.post("2fa/disable", twofa.access(secret), step_up),
        "This backup code was already used",
    )


def test_few_backup_codes_left_are_counted_and_warned_of_in_the_answer_and_the_mail(twofa):
    secret = twofa.user()
    codes, _ = twofa.backup_codes(twofa.access(secret), secret)
    answers = [
        twofa.post("2fa/recover", twofa.challenge(), {"backup_code": code}).json for code in codes
    ]
    assert [a["remainingBackupCodes"] for a in answers] == list(range(9, -1, -1))
    assert all("warning" not in a for a in answers[:7])  # 9 .. 3 left
    assert answers[7]["warning"].startswith("Only 2 backup codes left: make a new set")
    assert answers[8]["warning"].startswith("Only 1 backup code left")
    assert answers[9]["warning"].startswith("No backup codes are left")
    notices = [m.text for m in twofa.mailbox if "backup code was used" in m.text]
    assert "3 backup codes left." in notices[6] and "make a new set" not in notices[6]
    assert "2 backup codes left. Only 2 backup codes left: make a new set" in notices[7]
    assert "No backup codes are left" in notices[9]
