"""Settings from config.py and MFA_* variables, and the checks at start-up."""

import base64
import json
import os
import secrets
from contextlib import contextmanager

import click
import pytest
from cryptography.fernet import Fernet
from flask.cli import ScriptInfo

from mfa_api import ConfigError, create_app
from mfa_api.security import argon2id
from mfa_api.state import state_of

GOOD_SECRET = "ecdbFnuXURaH7RIAzCJyLBFoGfQjJDmzMy1f4pBeGYs"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No MFA_* variables, no config.py, no FLASK_DEBUG: only what the test sets, plus what
    production requires but SECRET_KEY (a mail server, an encryption key)."""
    for name in list(os.environ):
        if name.startswith("MFA_") or name == "FLASK_DEBUG":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MFA_DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    monkeypatch.setenv("MFA_MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("MFA_ENCRYPTION_KEYS", json.dumps([Fernet.generate_key().decode()]))
    return monkeypatch


def test_production_refuses_to_start_without_secret_key(clean_env):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("change-me-to-a-long-random-string", "SECRET_KEY is the example's"),
        ("a", "shorter than 32 bytes"),
        ("dictionary", "shorter than 32 bytes"),
    ],
)
def test_production_refuses_a_weak_secret_key(clean_env, secret, message):
    clean_env.setenv("MFA_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_a_numeric_secret_key_from_the_environment_stays_a_string(clean_env):
    clean_env.setenv("FLASK_DEBUG", "1")  # digits alone are no random key: a warning there
    clean_env.setenv("MFA_ALLOW_DEVELOPMENT_MODE", "true")  # create_app() is no `flask run`
    clean_env.setenv("MFA_SECRET_KEY", "1234567890" * 4)
    assert create_app().config["SECRET_KEY"] == "1234567890" * 4


@pytest.mark.parametrize(
    "secret",
    [
        "acme-corp-mfa-api-secret-key-2026",  # cracked offline in 1,819 guesses (issue 20)
        "acme-corp-mfa-api-secret-key-2026-production",  # long enough, still a phrase
        "0123456789" * 7,  # hex's alphabet, but no letter in 70 characters: no random key
        "AcmeCorpMfaApiSecretKeyForProduction2026Server",  # base64's shape, made of words
        "Kq9ZpW3xLm" * 5,  # base64's shape, ten characters repeated
    ],
)
def test_production_refuses_a_passphrase_as_secret_key(clean_env, secret):
    clean_env.setenv("MFA_SECRET_KEY", secret)
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert str(refused.value).startswith("SECRET_KEY is not a random key")
    assert "secrets.token_urlsafe(48)" in str(refused.value)  # how to make a good one


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_hex(32),
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
        lambda: Fernet.generate_key().decode(),  # flask gen-key
    ],
)
def test_generated_secret_keys_are_accepted(clean_env, make):
    clean_env.setenv("MFA_SECRET_KEY", make())
    assert create_app().config["SECRET_KEY"]


def test_a_passphrase_as_the_only_encryption_key_is_refused(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.delenv("MFA_ENCRYPTION_KEYS")
    clean_env.setenv("MFA_ENCRYPTION_KEY", "acme-corp-mfa-api-encryption-key-2026")
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY is not a random key"):
        create_app()


def test_a_secret_key_in_config_py_must_be_a_string(clean_env, tmp_path):
    (tmp_path / "config.py").write_text("SECRET_KEY = 12345678901234567890123456789012345\n")
    with pytest.raises(ConfigError, match="SECRET_KEY must be a string"):
        create_app()


def test_production_refuses_to_start_without_a_mail_server(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.delenv("MFA_MAIL_SERVER")
    with pytest.raises(ConfigError, match="MAIL_SERVER is not set"):
        create_app()


def test_production_refuses_plain_text_secrets_unless_allowed(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.delenv("MFA_ENCRYPTION_KEYS")
    with pytest.raises(ConfigError, match="no ENCRYPTION_KEYS"):
        create_app()
    clean_env.setenv("MFA_ALLOW_PLAINTEXT_SECRETS", "true")
    assert state_of(create_app()).settings.secret_cipher is None


def test_the_older_single_encryption_key_is_a_ring_of_one(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.delenv("MFA_ENCRYPTION_KEYS")
    clean_env.setenv("MFA_ENCRYPTION_KEY", secrets.token_hex(32))
    assert state_of(create_app()).settings.secret_cipher is not None


def test_a_free_form_older_key_beside_the_ring_still_reads(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_ENCRYPTION_KEY", "an-older-free-form-key-at-least-32-bytes")
    assert len(state_of(create_app()).settings.secret_cipher._fernets) == 2


def test_a_key_ring_of_something_else_is_refused(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_ENCRYPTION_KEYS", '["not-a-key"]')
    with pytest.raises(ConfigError, match=r"ENCRYPTION_KEYS\[0\] is not a key"):
        create_app()


def test_per_worker_rate_limits_in_production_are_a_warning(clean_env, caplog):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    create_app()
    assert "rate limits are counted in each worker's memory" in caplog.text


def test_a_setting_that_is_not_a_number_is_named(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_OTP_TTL_SECONDS", "five minutes")
    with pytest.raises(ConfigError, match="OTP_TTL_SECONDS must be a whole number"):
        create_app()


@contextmanager
def flask_command(name: str, **params):
    """As inside `flask <name>` (the app loaded by Flask's command line, which `flask run`
    and `make run` use)."""
    with click.Context(click.Command(name), obj=ScriptInfo()) as ctx:
        ctx.params.update(params)
        yield


def test_development_makes_a_random_key_with_a_loud_warning(clean_env, caplog):
    clean_env.setenv("FLASK_DEBUG", "1")
    with flask_command("run", host="127.0.0.1"):
        first, second = create_app(), create_app()
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 48
    assert "SECRET_KEY is not set" in caplog.text


def test_mfa_variables_set_keys_and_parse_as_json(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", "ioxlOxkp7gqpVoG6WAMhsswxckv8YOd1zQyoHF1rmlg")
    clean_env.setenv("MFA_OTP_TTL_SECONDS", "120")
    clean_env.setenv("MFA_CORS_ORIGINS", '["https://a.example"]')
    clean_env.setenv("MFA_TOTP_ISSUER", "Acme")
    config = create_app().config
    assert config["SECRET_KEY"] == "ioxlOxkp7gqpVoG6WAMhsswxckv8YOd1zQyoHF1rmlg"
    assert config["OTP_TTL_SECONDS"] == 120
    assert config["CORS_ORIGINS"] == ["https://a.example"]
    assert config["TOTP_ISSUER"] == "Acme"


@pytest.mark.parametrize("keep", ["true", "false"])
def test_argon2_keep_memory_decides_whether_the_block_stays(clean_env, keep):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_ARGON2_KEEP_MEMORY", keep)
    clean_env.setenv("MFA_ARGON2_MEMORY_KIB", "64")
    clean_env.setenv("MFA_ARGON2_TIME_COST", "1")
    try:
        state_of(create_app()).settings.hasher.hash("any password at all")
        assert len(argon2id._free_blocks) == (1 if keep == "true" else 0)
    finally:
        argon2id.keep_blocks(True)


def test_config_py_is_read_and_the_environment_wins(clean_env, tmp_path):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'J0uzG8re6fCX-wu3Y-V6MheH5MwL46ZcWXLt5kPKDmk'\nBCRYPT_ROUNDS = 10\n"
    )
    clean_env.setenv("MFA_BCRYPT_ROUNDS", "11")
    config = create_app().config
    assert config["SECRET_KEY"] == "J0uzG8re6fCX-wu3Y-V6MheH5MwL46ZcWXLt5kPKDmk"
    assert config["BCRYPT_ROUNDS"] == 11


def test_the_default_database_is_sqlite_in_the_instance_folder(clean_env):
    clean_env.delenv("MFA_DATABASE_URL")
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
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
        ("JWT_LEEWAY_SECONDS", 61, "JWT_LEEWAY_SECONDS must be between 0 and 60"),
        ("JWT_LEEWAY_SECONDS", -1, "JWT_LEEWAY_SECONDS must be between 0 and 60"),
        ("JWT_LEEWAY_SECONDS", "5s", "JWT_LEEWAY_SECONDS must be a whole number"),
        ("BACKOFF_AFTER", 0, "BACKOFF_AFTER"),
        ("BACKOFF_MAX_SECONDS", 0, "BACKOFF_MAX_SECONDS must be at least"),
        ("UNLOCK_URL", "https://app.example/unlock", "UNLOCK_URL must contain {token}"),
    ],
)
def test_settings_that_cannot_work_stop_the_start(key, value, message):
    config = {
        "TESTING": True,
        "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": "sqlite:////tmp/x",
        key: value,
    }
    with pytest.raises(ConfigError, match=message):
        create_app(config)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (" " * 40, "SECRET_KEY is not set"),
        ("a" * 40, "fewer than 10 different characters"),
        ("change-me-to-a-long-random-string ", "is the example's"),
    ],
)
def test_secrets_that_are_no_secrets_are_refused(clean_env, secret, message):
    clean_env.setenv("MFA_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_the_older_encryption_key_must_be_a_real_secret_too(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.delenv("MFA_ENCRYPTION_KEYS")
    clean_env.setenv("MFA_ENCRYPTION_KEY", "another-long-random-string")
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY is the example's"):
        create_app()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("REJECT_COMMON_PASSWORDS", "maybe", "REJECT_COMMON_PASSWORDS must be true or false"),
        ("RATELIMIT_REGISTER", "10 per fortnight", "RATELIMIT_REGISTER must be a limit"),
        ("MAX_CONTENT_LENGTH", "abc", "MAX_CONTENT_LENGTH must be a whole number"),
        ("OTP_TTL_SECONDS", "1e20", "OTP_TTL_SECONDS must be"),
        ("CORS_ORIGINS", "5", "CORS_ORIGINS must be"),
        ("MAIL_DEFAULT_SENDER", "", "MAIL_DEFAULT_SENDER must be set"),
        ("REDIS_URL", "garbage", "REDIS_URL must start with"),
        ("REDIS_URL", "redis+sentinel://10.0.0.1/mfa", "REDIS_URL needs sentinels as host:port"),
        ("REDIS_URL", "redis+sentinel:///mfa", "REDIS_URL needs sentinels as host:port"),
        ("REDIS_URL", "redis+sentinel://10.0.0.1:26379", "REDIS_URL needs the service name"),
        ("REDIS_URL", "redis+sentinel://10.0.0.1:99999/mfa", "REDIS_URL needs sentinels"),
        ("REDIS_URL", "redis+sentinel://h:26379/mfa/x", "REDIS_URL needs a database number"),
        ("RATELIMIT_STORAGE_URI", "redis+sentinel://h:1,/mfa", "RATELIMIT_STORAGE_URI needs"),
        ("RATELIMIT_STORAGE_URI", "foo://x", "RATELIMIT_STORAGE_URI must be"),
        ("DB_TIMEOUT_SECONDS", "60", "DB_TIMEOUT_SECONDS must be a number of seconds"),
    ],
)
def test_settings_that_would_fail_later_are_refused_at_the_start(clean_env, key, value, message):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv(f"MFA_{key}", value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_one_sentinel_url_serves_the_client_and_the_limiter_with_the_deadline(clean_env):
    url = "redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26380/mymaster/3"
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_REDIS_URL", url)
    clean_env.setenv("MFA_REDIS_TIMEOUT_SECONDS", "0.3")
    app = create_app()
    pool = state_of(app).redis.connection_pool
    assert (pool.service_name, pool.is_master) == ("mymaster", True)
    assert {k: pool.connection_kwargs[k] for k in ("db", "password", "socket_timeout")} == {
        "db": 3,
        "password": "pw",
        "socket_timeout": 0.3,
    }
    sentinel = pool.sentinel_manager
    assert [s.connection_pool.connection_kwargs["port"] for s in sentinel.sentinels] == [
        26379,
        26380,
    ]
    assert sentinel.sentinel_kwargs["socket_timeout"] == 0.3
    # limits reads the whole path as the service name: it gets the database as an option
    assert app.config["RATELIMIT_STORAGE_URI"] == url.removesuffix("/3")
    options = app.config["RATELIMIT_STORAGE_OPTIONS"]
    assert (options["db"], options["use_replicas"], options["socket_timeout"]) == (3, False, 0.3)
    assert options["sentinel_kwargs"]["socket_timeout"] == 0.3


def test_false_turns_a_switch_off(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_REJECT_COMMON_PASSWORDS", "False")
    assert create_app().config["REJECT_COMMON_PASSWORDS"] is False


def test_every_bad_key_of_the_ring_is_named(clean_env):
    from mfa_api.config import load_config
    from mfa_api.config_check import problems

    clean_env.setenv("MFA_ENCRYPTION_KEYS", '["x", "y"]')
    app = __import__("flask").Flask("t")
    load_config(app, None)
    messages = [p.message for p in problems(app.config, development=False)]
    assert "ENCRYPTION_KEYS[0] is not a key made by flask gen-key" in messages
    assert "ENCRYPTION_KEYS[1] is not a key made by flask gen-key" in messages


def test_every_setting_is_documented_in_docs_api_md():
    from pathlib import Path

    from mfa_api.config import DEFAULTS

    documented = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    assert [key for key in DEFAULTS if f"`{key}`" not in documented] == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_development_mode_starts_under_flask_run_on_loopback(clean_env, host):
    clean_env.setenv("FLASK_DEBUG", "1")
    clean_env.delenv("MFA_MAIL_SERVER")  # development needs none
    with flask_command("run", host=host):
        assert state_of(create_app()).keeps_outbox
    with flask_command("openapi"):  # other commands serve nobody
        create_app()


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104
        "::",
        "192.0.2.10",
        "mfa.example.com",
    ],
)
def test_development_mode_on_an_address_others_reach_does_not_start(clean_env, host):
    clean_env.setenv("FLASK_DEBUG", "1")
    with flask_command("run", host=host), pytest.raises(ConfigError) as refused:
        create_app()
    assert str(refused.value).startswith(
        f"development mode (FLASK_DEBUG=1) on {host}, an address others reach: unset FLASK_DEBUG"
    )


def test_development_mode_under_a_wsgi_server_needs_the_opt_in(clean_env, caplog):
    clean_env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match=r"^development mode \(FLASK_DEBUG=1\) under a WSGI"):
        create_app()  # as gunicorn and mod_wsgi load it: outside Flask's command line
    clean_env.setenv("MFA_ALLOW_DEVELOPMENT_MODE", "true")
    assert state_of(create_app()).keeps_outbox
    assert "development mode (FLASK_DEBUG=1) under a WSGI server" in caplog.text  # warned


def _ring_problems(clean_env, value: str) -> list[str]:
    from mfa_api.config import load_config
    from mfa_api.config_check import problems

    clean_env.setenv("MFA_ENCRYPTION_KEYS", value)
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    app = __import__("flask").Flask("t")
    load_config(app, None)
    return [p.message for p in problems(app.config, development=False) if p.fatal]


def test_a_key_ring_whose_quotes_a_shell_dropped_is_refused(clean_env):
    newest, older = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    # `set -a; . env` turns ["K2","K1"] into [K2,K1]: Fernet would read it as K2 alone.
    found = _ring_problems(clean_env, f"[{newest},{older}]")
    assert len(found) == 1
    assert found[0].startswith("ENCRYPTION_KEYS is neither a JSON list nor one key")
    with pytest.raises(ConfigError, match="ENCRYPTION_KEYS is neither a JSON list nor one key"):
        create_app()
    assert _ring_problems(clean_env, json.dumps([newest, older])) == []
    assert _ring_problems(clean_env, newest) == []


@pytest.mark.parametrize(
    "spoil",
    [
        lambda key: "x" * 44,  # not base64 of 32 bytes
        lambda key: key + "junk",  # Fernet skips what follows the padding
        lambda key: key.rstrip("="),  # unpadded: not as gen-key writes it
        lambda key: " " + key,
        lambda key: "+/" + key[2:],  # standard base64, not urlsafe
    ],
)
def test_each_key_must_be_exactly_what_gen_key_makes(clean_env, spoil):
    good = Fernet.generate_key().decode()
    assert _ring_problems(clean_env, json.dumps([good, spoil(good)])) == [
        "ENCRYPTION_KEYS[1] is not a key made by flask gen-key"
    ]


def test_webauthn_origins_as_a_json_list_in_the_environment(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_WEBAUTHN_RP_ID", "example.com")
    clean_env.setenv(
        "MFA_WEBAUTHN_ORIGINS", '["https://example.com", "https://login.example.com:8443"]'
    )
    settings = state_of(create_app()).settings
    assert settings.webauthn_origins == ("https://example.com", "https://login.example.com:8443")
    clean_env.setenv("MFA_WEBAUTHN_ORIGINS", "https://example.com, https://login.example.com")
    settings = state_of(create_app()).settings
    assert settings.webauthn_origins == ("https://example.com", "https://login.example.com")


@pytest.mark.parametrize(
    ("origins", "why"),
    [
        ('["https://example.com",', "origins separated by commas, or a JSON list"),
        ("https://example.com/login", "without a path, query or fragment"),
        ("https://example.com?x=1", "without a path, query or fragment"),
        ("https://example.com#x", "without a path, query or fragment"),
        ("http://example.com", "must use https"),
        ("https://Example.com", "must be written as browsers send it: https://example.com"),
        ("https://example.com:443", "must be written as browsers send it: https://example.com"),
        ("example.com", "is not an origin"),
        ("https://example.com:99999", "is not an origin"),
        ("https://example.org", "is not on WEBAUTHN_RP_ID 'example.com'"),
        ("https://notexample.com", "is not on WEBAUTHN_RP_ID 'example.com'"),
        ("https://example.com, ftp://example.com", "is not an origin"),
    ],
)
def test_webauthn_origins_that_no_browser_would_match_stop_the_start(clean_env, origins, why):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_WEBAUTHN_RP_ID", "example.com")
    clean_env.setenv("MFA_WEBAUTHN_ORIGINS", origins)
    with pytest.raises(ConfigError, match="^WEBAUTHN_ORIGINS") as refused:
        create_app()
    assert why in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("rp_id", "origins"),
    [
        ("localhost", "http://localhost:5000"),
        ("localhost", "http://localhost:5601, http://localhost"),
        ("example.com", "https://example.com, https://a.b.example.com:8443"),
        ("127.0.0.1", "http://127.0.0.1:5000"),
    ],
)
def test_webauthn_origins_on_the_relying_party_are_accepted(clean_env, rp_id, origins):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_WEBAUTHN_RP_ID", rp_id)
    clean_env.setenv("MFA_WEBAUTHN_ORIGINS", origins)
    assert state_of(create_app()).settings.webauthn_origins


def test_the_development_origin_follows_the_port_flask_run_listens_on(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.delenv("FLASK_RUN_PORT", raising=False)
    assert create_app().config["WEBAUTHN_ORIGINS"] == "http://localhost:5000"
    clean_env.setenv("FLASK_RUN_PORT", "5601")  # make run PORT=5601
    assert create_app().config["WEBAUTHN_ORIGINS"] == "http://localhost:5601"
    clean_env.setenv("MFA_WEBAUTHN_ORIGINS", "http://localhost:8080")  # a setting wins
    assert create_app().config["WEBAUTHN_ORIGINS"] == "http://localhost:8080"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("mysql://mfa:pw@db1:3306,db2:3306/otp", "names several hosts"),
        ("mysql://mfa:pw@db1,db2/otp", "names several hosts"),
        ("mysql://mfa:pw@db:port/otp", "has a port that is not a number"),
        ("mysql://mfa:pw@localhost/otp?socket=/run/mysqld/mysqld.sock", "unknown option 'socket'"),
        ("mysql://mfa:pw@localhost/otp?ssl=1", "unknown option 'ssl'"),
        ("mysql://mfa:pw@localhost/otp?ssl_ca=/nonexistent/ca.pem", "not a file"),
        ("mysql://mfa:pw@localhost/otp?ssl_ca=ca.pem", "absolute path"),
        ("mysql://mfa:pw@localhost/otp?ssl_verify_identity=false", "without ssl_ca"),
        ("mysql://mfa:pw@localhost/otp?unix_socket=mysqld.sock", "an absolute path"),
        ("mysql://mfa:pw@localhost/otp?unix_socket", "not name=value pairs"),
        ("mysql://mfa:pw@localhost/otp?unix_socket=", "an absolute path"),
        ("mysql://mfa:pw@localhost/otp?unix_socket=/a&unix_socket=/b", "an option twice"),
        ("mysql://mfa:pw@localhost/otp/extra", "one database name"),
    ],
)
def test_a_database_url_pymysql_cannot_use_is_refused_in_one_line(clean_env, url, why):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_DATABASE_URL", url)
    with pytest.raises(ConfigError, match="^DATABASE_URL ") as refused:
        create_app()
    assert why in str(refused.value) and "\n" not in str(refused.value)


def test_an_ssl_ca_that_holds_no_certificate_is_refused_in_one_line(clean_env, tmp_path):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    clean_env.setenv("MFA_DATABASE_URL", f"mysql://mfa:pw@db/otp?ssl_ca={tmp_path}/ca.pem")
    with pytest.raises(ConfigError, match="^DATABASE_URL .*holds no CA certificate") as refused:
        create_app()
    assert "\n" not in str(refused.value)


def test_a_database_url_through_the_unix_socket_is_accepted(clean_env):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    url = "mysql://mfa:pw@localhost/otp?unix_socket=/run/mysqld/mysqld.sock"
    clean_env.setenv("MFA_DATABASE_URL", url)
    assert create_app().config["DATABASE_URL"] == url


def test_the_default_database_of_a_checkout_stays_in_its_instance_folder(tmp_path):
    from pathlib import Path

    from mfa_api.config import instance_folder

    checkout = Path(__file__).resolve().parents[2]  # what make run has always used
    assert instance_folder(checkout / "mfa_api", tmp_path) == str(checkout / "instance")
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "mfa_api").mkdir(parents=True)
    assert instance_folder(site / "mfa_api", tmp_path / "srv") == str(tmp_path / "srv/instance")


def test_an_installed_package_keeps_its_database_in_the_working_directory(tmp_path):
    """`pip install .` into a virtualenv: Flask's default instance folder, <venv>/var/, would
    hold the SQLite file, deleted with the virtualenv."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "mfa_api"
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    shutil.copytree(source, site / "mfa_api", ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "srv"
    work.mkdir()
    show = (
        "from mfa_api import create_app; "
        "print(create_app({'TESTING': True, 'SECRET_KEY': 'k' * 40}).config['DATABASE_URL'])"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", show], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sqlite:///{work}/instance/mfa.sqlite3"


@pytest.mark.parametrize(
    ("given", "read"), [("1", True), ("0", False), ("on", True), ("no", False)]
)
def test_a_switch_takes_1_and_0_from_the_environment_as_the_docs_say(clean_env, given, read):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("MFA_RATELIMIT_ENABLED", given)
    assert create_app().config["RATELIMIT_ENABLED"] is read


def test_webhook_settings_are_checked_and_private_receivers_warned_about(clean_env, caplog):
    clean_env.setenv("MFA_SECRET_KEY", GOOD_SECRET)
    settings = state_of(create_app()).settings
    assert settings.webhooks_timeout_seconds == 10 and not settings.webhooks_allow_private
    assert settings.webhooks_retention_seconds == 30 * 86400
    assert "WEBHOOKS_ALLOW_PRIVATE" not in caplog.text
    clean_env.setenv("MFA_WEBHOOKS_ALLOW_PRIVATE", "true")
    assert state_of(create_app()).settings.webhooks_allow_private
    assert "WEBHOOKS_ALLOW_PRIVATE: webhooks may be sent to loopback" in caplog.text
    clean_env.setenv("MFA_WEBHOOKS_TIMEOUT_SECONDS", "60")
    with pytest.raises(ConfigError, match="WEBHOOKS_TIMEOUT_SECONDS must be a number of sec"):
        create_app()
    clean_env.setenv("MFA_WEBHOOKS_TIMEOUT_SECONDS", "2.5")
    clean_env.setenv("MFA_WEBHOOKS_RETENTION_DAYS", "0")
    with pytest.raises(ConfigError, match="WEBHOOKS_RETENTION_DAYS must be positive"):
        create_app()
