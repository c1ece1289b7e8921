"""Settings from config.py and MFA_* variables, and the checks at start-up."""

import pytest

from mfa_api import create_app


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No MFA_* variables, no config.py: only what the test sets."""
    for name in list(__import__("os").environ):
        if name.startswith("MFA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MFA_DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    return monkeypatch


def test_production_refuses_to_start_without_secret_key(clean_env):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app()


def test_development_makes_a_random_key_with_a_loud_warning(clean_env, caplog):
    clean_env.setenv("FLASK_DEBUG", "1")
    first, second = create_app(), create_app()
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 48
    assert "SECRET_KEY is not set" in caplog.text


def test_mfa_variables_set_keys_and_parse_as_json(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", "from-the-environment-0123456789abcdef")
    clean_env.setenv("MFA_OTP_TTL_SECONDS", "120")
    clean_env.setenv("MFA_CORS_ORIGINS", '["https://a.example"]')
    clean_env.setenv("MFA_TOTP_ISSUER", "Acme")
    config = create_app().config
    assert config["SECRET_KEY"] == "from-the-environment-0123456789abcdef"
    assert config["OTP_TTL_SECONDS"] == 120
    assert config["CORS_ORIGINS"] == ["https://a.example"]
    assert config["TOTP_ISSUER"] == "Acme"


def test_config_py_is_read_and_the_environment_wins(clean_env, tmp_path):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-config-py-0123456789'\nBCRYPT_ROUNDS = 10\n"
    )
    clean_env.setenv("MFA_BCRYPT_ROUNDS", "11")
    config = create_app().config
    assert config["SECRET_KEY"] == "from-config-py-0123456789"
    assert config["BCRYPT_ROUNDS"] == 11


def test_the_default_database_is_sqlite_in_the_instance_folder(clean_env):
    clean_env.delenv("MFA_DATABASE_URL")
    clean_env.setenv("MFA_SECRET_KEY", "k" * 40)
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/mfa.sqlite3"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("BCRYPT_ROUNDS", 3, "BCRYPT_ROUNDS"),
        ("DATABASE_URL", "postgres://x", "DATABASE_URL"),
        ("LEGACY_PREFIX", "api/", "LEGACY_PREFIX"),
        ("OTP_TTL_SECONDS", 0, "OTP_TTL_SECONDS"),
        ("LOCK_AFTER", 101, "LOCK_AFTER must be between 1 and 100"),
        ("BACKOFF_AFTER", 0, "BACKOFF_AFTER"),
        ("BACKOFF_MAX_SECONDS", 0, "BACKOFF_MAX_SECONDS must be at least"),
        ("UNLOCK_URL", "https://app.example/unlock", "UNLOCK_URL must contain {token}"),
    ],
)
def test_settings_that_cannot_work_stop_the_start(key, value, message):
    config = {
        "TESTING": True,
        "SECRET_KEY": "k" * 40,
        "DATABASE_URL": "sqlite:////tmp/x",
        key: value,
    }
    with pytest.raises(RuntimeError, match=message):
        create_app(config)
