"""Signing in with a passkey alone on the /account page, in Debian's chromium (headless) with a
virtual platform authenticator that keeps discoverable credentials and verifies the user: an
account made over HTTP adds a passkey on the page; signed out, the page's passkey autofill on
the email field signs it in; then the "Sign in with a passkey" button does (without and with
the email), and is refused once the passkey no longer may sign in alone. Screenshots go to
artifacts/account/."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e import test_account_page as page
from tests.e2e.server import HttpClient

site = page.site  # the same server: gunicorn, SMTP on loopback, a fresh SQLite database
By = page.By
EMAIL, PASSWORD = page.EMAIL, page.PASSWORD
MADE_WITHOUT_UV = "This passkey was made without user verification"


@pytest.fixture
def browser():
    """Headless chromium whose virtual authenticator is a platform one (chromium offers
    passkey autofill with it, not with a USB key) keeping discoverable credentials."""
    driver = page.chromium(resident_keys=True, transport=page.Transport.INTERNAL)
    page.SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def sign_up(base: str, smtp) -> str:
    """An account with 2FA on, made over HTTP (the mfa-php face); its TOTP secret."""
    http = HttpClient(base)
    status, made = http.post(
        "/mfa-php/api/register",
        {"names": "Ada", "email": EMAIL, "phone": "250788123456", "password": PASSWORD},
    )
    assert status == 200, made
    secret = made["data"]["secret"]
    page.wait_for_early_in_a_step()
    body = {
        "email": EMAIL,
        "email_otp": smtp.last_code(EMAIL),
        "auth_code": page.code_at(secret, -1),
    }
    status, verified = http.post("/mfa-php/api/verify", body)
    assert status == 200, verified
    return secret


def autofill_asked(driver) -> None:
    """Wait until the page has a passkey autofill request pending on the email field."""
    form = driver.find_element(By.ID, "login-form")
    page.WebDriverWait(driver, 15).until(
        lambda d: form.get_attribute("data-passkey-autofill") == "on"
    )


def sign_in_with_passkey(driver, email: str = "") -> None:
    """Click "Sign in with a passkey" (the email typed first, when given)."""
    field = page.visible(driver, "login-email")
    field.clear()
    if email:
        field.send_keys(email)
    page.click(driver, "passkey-signin")


def test_a_passkey_signs_in_alone_on_the_page(site, browser):
    base, smtp, database = site
    driver = browser
    secret = sign_up(base, smtp)
    driver.get(f"{base}/account")
    email_field = page.visible(driver, "login-email")
    assert email_field.get_attribute("autocomplete") == "username webauthn"
    available = driver.execute_async_script(
        "PublicKeyCredential.isConditionalMediationAvailable().then(arguments[0]);"
    )
    assert available  # so the page asked for autofill options at once
    autofill_asked(driver)

    page.log_in(driver)
    page.type_into(driver, "second-code", page.code_at(secret, 0))
    page.visible(driver, "code-form").submit()
    page.says(driver, "You are signed in")
    page.type_into(driver, "step-password", PASSWORD)
    page.type_into(driver, "step-code", page.code_at(secret, 1))
    page.type_into(driver, "passkey-name", "Discoverable key")
    page.click(driver, "passkey-add")
    page.says(driver, "Passkey added")
    page.click(driver, "logout")  # signed out, the page asks for autofill again
    # The virtual authenticator answers it at once, as a user picking the passkey offered
    # under the email field would.
    page.says(driver, "Signed in with a passkey")
    assert page.visible(driver, "who").text == EMAIL
    assert "login succeeded" in page.visible(driver, "event-list").text
    page.shot(driver, "9-signed-in-with-passkey-autofill")

    # A browser without autofill: the button.
    driver.execute_script(
        "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"
    )
    page.click(driver, "logout")
    page.says(driver, "Logged out")
    sign_in_with_passkey(driver)  # no email: the discoverable credential says whose it is
    page.says(driver, "Signed in with a passkey")
    assert page.visible(driver, "who").text == EMAIL
    page.shot(driver, "10-signed-in-with-the-passkey-button")
    page.click(driver, "logout")
    page.says(driver, "Logged out")

    sign_in_with_passkey(driver, EMAIL)  # with the email: options name its passkeys
    page.says(driver, "Signed in with a passkey")
    page.click(driver, "logout")
    page.says(driver, "Logged out")

    conn = sqlite3.connect(database)  # as a passkey made without user verification is kept
    with conn:
        conn.execute("UPDATE passkeys SET user_verified = 0")
    conn.close()
    sign_in_with_passkey(driver)
    page.WebDriverWait(driver, 15).until(
        lambda d: MADE_WITHOUT_UV in d.find_element(By.ID, "error").text
    )
    assert page.visible(driver, "signed-out").is_displayed()
    page.shot(driver, "11-passkey-made-without-user-verification")

    problems = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    refused = [p for p in problems if "passkey-login - Failed to load resource" in p["message"]]
    assert problems == refused and len(refused) == 1, problems  # the one 401 above
