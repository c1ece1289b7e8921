"""The /account page in a real browser: Debian's chromium, headless, driven by Selenium, against
gunicorn and a real SMTP server. A user signs up (typing the key into a TOTP computed here),
logs in with the second step, adds a passkey through Chrome's virtual authenticator, logs in
with it and is remembered, then logs in without a second step. Each page is kept as a
screenshot in artifacts/account/ (or MFA_TEST_ARTIFACTS)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import pyotp
import pytest

from tests.e2e.server import ROOT, Gunicorn, init_db, service_env
from tests.services import REQUIRE_SERVICES
from tests.smtp import SmtpSink

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
EMAIL = "ada@example.com"
PASSWORD = "Analytical-Engine-1843"
SHOTS = Path(os.environ.get("MFA_TEST_ARTIFACTS") or ROOT / "artifacts") / "account"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    if REQUIRE_SERVICES:
        pytest.fail("chromium and chromium-driver are needed (deploy/install-servers.sh)")
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402 - only with a browser to drive
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.virtual_authenticator import (  # noqa: E402
    Protocol,
    Transport,
    VirtualAuthenticatorOptions,
)
from selenium.webdriver.support import expected_conditions as seen  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def site():
    """gunicorn on a fresh SQLite database, mail to a loopback SMTP server, passkeys for
    http://localhost:<its port>; (base URL, SMTP sink, the database's path)."""
    smtp = SmtpSink().start()
    with tempfile.TemporaryDirectory() as where:
        env = service_env(
            DATABASE_URL=f"sqlite:///{where}/account.sqlite3",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
            RATELIMIT_ENABLED="false",
        )
        server = Gunicorn(env, workers=1, threads=4)
        base = f"http://localhost:{server.port}"
        server.env = {**env, "MFA_WEBAUTHN_RP_ID": "localhost", "MFA_WEBAUTHN_ORIGINS": base}
        init_db(server.env)
        with server:
            yield base, smtp, f"{where}/account.sqlite3"
    smtp.stop()


@pytest.fixture
def browser():
    """Headless chromium with a virtual (CTAP2, USB) authenticator plugged in."""
    driver = chromium(resident_keys=False)
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def chromium(*, resident_keys: bool, transport: Transport = Transport.USB):
    """Headless chromium with a virtual CTAP2 authenticator (a USB key; a platform one with
    Transport.INTERNAL) that verifies the user (and keeps discoverable credentials, with
    resident_keys)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1000,1600")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    authenticator = VirtualAuthenticatorOptions()
    authenticator.protocol = Protocol.CTAP2
    authenticator.transport = transport
    authenticator.has_resident_key = resident_keys
    authenticator.has_user_verification = True
    authenticator.is_user_consenting = True
    authenticator.is_user_verified = True
    driver.add_virtual_authenticator(authenticator)
    return driver


def visible(driver, element_id: str):
    """The element, once it is shown."""
    return WebDriverWait(driver, 15).until(seen.visibility_of_element_located((By.ID, element_id)))


def says(driver, text: str) -> None:
    """Wait until the page's status line says text (and no error is shown)."""

    def status(d):
        error = d.find_element(By.ID, "error").text
        assert not error, f"the page shows an error: {error}"
        return text in d.find_element(By.ID, "status").text

    WebDriverWait(driver, 15).until(status)


def type_into(driver, element_id: str, text: str) -> None:
    field = visible(driver, element_id)
    field.clear()
    field.send_keys(text)


def click(driver, element_id: str) -> None:
    visible(driver, element_id).click()


def shot(driver, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def log_in(driver) -> None:
    """Send the login form (the password step)."""
    type_into(driver, "login-email", EMAIL)
    type_into(driver, "login-password", PASSWORD)
    visible(driver, "login-form").submit()


def code_at(secret: str, steps_ahead: int) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def wait_for_early_in_a_step() -> None:
    """Codes for steps -1, 0 and +1 are typed over the next seconds: start early in a step, so
    that the server's window does not move on meanwhile."""
    into = time.time() % 30
    if into > 12:
        time.sleep(30 - into + 0.5)


def test_sign_up_log_in_add_a_passkey_use_it_and_be_remembered(site, browser):
    base, smtp, database = site
    driver = browser
    driver.get(f"{base}/account")
    assert "Your account" in driver.title
    shot(driver, "1-signed-out")

    wait_for_early_in_a_step()
    type_into(driver, "signup-names", "Ada Lovelace")
    type_into(driver, "signup-email", EMAIL)
    type_into(driver, "signup-phone", "250788123456")
    type_into(driver, "signup-password", PASSWORD)
    visible(driver, "signup-form").submit()
    secret = visible(driver, "signup-secret").text.strip()
    assert len(secret) == 32 and visible(driver, "signup-qr").get_attribute("src").startswith(
        "data:image/png;base64,"
    )
    shot(driver, "2-sign-up-key-and-qr")
    type_into(driver, "confirm-email-code", smtp.last_code(EMAIL))
    type_into(driver, "confirm-app-code", code_at(secret, -1))
    visible(driver, "confirm-form").submit()
    says(driver, "Your account is ready")

    log_in(driver)
    type_into(driver, "second-code", code_at(secret, 0))
    shot(driver, "3-second-step")
    visible(driver, "code-form").submit()
    says(driver, "You are signed in")
    assert visible(driver, "who").text == EMAIL
    assert driver.find_element(By.ID, "twofa-state").text == "on"
    shot(driver, "4-signed-in")

    type_into(driver, "step-password", PASSWORD)
    type_into(driver, "step-code", code_at(secret, 1))
    type_into(driver, "passkey-name", "Virtual key")
    click(driver, "passkey-add")
    says(driver, "Passkey added")
    assert "Virtual key" in visible(driver, "passkey-list").text
    shot(driver, "5-passkey-added")

    click(driver, "logout")
    says(driver, "Logged out")
    log_in(driver)
    visible(driver, "second-step")
    click(driver, "remember")
    click(driver, "passkey-login")
    says(driver, "You are signed in")
    assert "Mozilla" in visible(driver, "device-list").text  # this browser, remembered
    events = visible(driver, "event-list").text
    assert "passkey added" in events and "device remembered" in events
    shot(driver, "6-signed-in-with-a-passkey")

    click(driver, "logout")
    says(driver, "Logged out")
    log_in(driver)
    says(driver, "You are signed in")  # no second step: a remembered device
    shot(driver, "7-remembered-device-no-second-step")

    conn = sqlite3.connect(database)  # suspended, as a copy's use would leave it
    with conn:
        conn.execute("UPDATE passkeys SET suspended_at = 1")
    conn.close()
    click(driver, "logout")
    says(driver, "Logged out")
    log_in(driver)
    says(driver, "You are signed in")
    assert "Suspended: a copy of it may exist" in visible(driver, "passkey-list").text
    shot(driver, "8-passkey-suspended")

    problems = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert problems == [], problems  # no script or Content-Security-Policy error
