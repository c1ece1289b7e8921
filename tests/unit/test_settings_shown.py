"""No secret value is ever printed: `flask check-config --settings` hides what the settings
table marks secret, and no problem's message (printed, logged, raised) carries one."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from mfa_api import create_app
from mfa_api.config import DEFAULTS, unreadable_file
from mfa_api.config_check import problems
from mfa_api.settings_shown import HIDDEN, hide_secrets, settings_lines
from mfa_api.settings_table import SETTINGS

SECRET_KEY = "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc"
ENCRYPTION_KEY = Fernet.generate_key().decode()
SECRETS = {
    "SECRET_KEY": SECRET_KEY,
    "ENCRYPTION_KEYS": [ENCRYPTION_KEY],
    "MAIL_PASSWORD": "mail-pass-word",
    "SMS_AUTH_TOKEN": "sms-auth-token",
    "REDIS_URL": "redis://:redis-pass-word@127.0.0.1:1/0",
}
SECRET_VALUES = [SECRET_KEY, ENCRYPTION_KEY, "mail-pass-word", "sms-auth-token", "redis-pass-word"]


def test_the_table_marks_every_key_password_and_url_that_may_hold_one():
    secret = {s.name for s in SETTINGS if s.secret}
    assert {"SECRET_KEY", "ENCRYPTION_KEYS", "MAIL_PASSWORD", "SMS_AUTH_TOKEN"} <= secret
    assert {"DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI"} <= secret


def test_check_config_shows_every_setting_but_no_secret(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing.sqlite3",
            "TOTP_ISSUER": "Shown Issuer",
            **SECRETS,
        }
    )
    printed = app.test_cli_runner().invoke(args=["check-config", "--settings"]).output
    assert [value for value in SECRET_VALUES if value in printed] == []
    assert "TOTP_ISSUER = 'Shown Issuer'" in printed.splitlines()
    assert f"SECRET_KEY = {HIDDEN}" in printed.splitlines()
    assert f"ENCRYPTION_KEYS = [{HIDDEN}]" in printed.splitlines()
    assert f"REDIS_URL = 'redis://:{HIDDEN}@127.0.0.1:1/0'" in printed.splitlines()
    assert "error: Redis cannot be reached" in printed  # the problems still follow


def test_every_setting_has_its_line():
    lines = settings_lines({})
    assert [line.split(" = ")[0] for line in lines] == [s.name for s in SETTINGS]


def test_a_problem_that_would_quote_a_secret_hides_it():
    pasted = {"WEBAUTHN_ORIGINS": f"https://{SECRET_KEY}"}  # the wrong line pasted
    config = {**DEFAULTS, "DATABASE_URL": "sqlite:///x", **SECRETS, **pasted}
    messages = " ".join(p.message for p in problems(config, development=True))
    assert f"WEBAUTHN_ORIGINS: 'https://{HIDDEN}'" in messages
    assert SECRET_KEY.lower() not in messages.lower()  # nor as the message rewrites it


def test_a_url_keeps_all_but_its_password_and_query():
    config = {"DATABASE_URL": "mysql://mfa:db-pass-word@db.example:3306/mfa?ssl_ca=/ca.pem"}
    text = hide_secrets(json.dumps(config), config)
    assert text == json.dumps(
        {"DATABASE_URL": f"mysql://mfa:{HIDDEN}@db.example:3306/mfa?{HIDDEN}"}
    )


def test_unset_secrets_show_as_unset():
    shown = settings_lines({"SECRET_KEY": None, "ENCRYPTION_KEYS": []})
    assert "SECRET_KEY = None" in shown and "ENCRYPTION_KEYS = []" in shown


@pytest.mark.parametrize(
    ("name", "url", "shown"),
    [
        ("REDIS_URL", "redis://:Zm9v/YmFy+cXV4@cache:6379/0", "redis://:{h}@cache:6379/0"),
        ("DATABASE_URL", "mysql://app:Zm9v/YmFy#cXV4@db/mfa", "mysql://app:{h}@db/mfa"),
        ("REDIS_URL", "redis://s3cr3t-token@cache:6379/0", "redis://{h}@cache:6379/0"),
        (
            "SMS_GATEWAY_URL",
            "https://AC12:auth-token@sms.example/x",
            "https://AC12:{h}@sms.example/x",
        ),
    ],
)
def test_a_password_with_a_slash_or_hash_or_a_token_as_user_is_hidden(name, url, shown):
    assert f"{name} = {shown.format(h=HIDDEN)!r}" in settings_lines({name: url})
    assert url not in hide_secrets(f"cannot reach {url}", {name: url})


def test_a_settings_file_that_cannot_be_read_is_named_without_its_content(tmp_path):
    broken = tmp_path / "config.py"
    broken.write_text("TOTP_ISSUER = 'x'\nSECRET_KEY = kQ9zLr2VxY7pT4mN8wB3cH6jF1sD5gA0eU\n")
    told = unreadable_file(str(broken), _raised_by(broken))
    assert told == f"{broken} cannot be read: NameError (line 2)"


def _raised_by(path):
    try:
        exec(compile(path.read_text(), str(path), "exec"), {})  # noqa: S102 - the test's own file
    except NameError as exc:
        return exc
    raise AssertionError("no error")
