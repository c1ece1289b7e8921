"""Settings: defaults, config.py, MFA_* environment variables, and the checks made at start-up."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet
from flask import Flask

from .security.crypto import derive_key, fernet_for

DEFAULTS = {
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # filled in by load_config: SQLite in the instance folder
    "LEGACY_PREFIX": "/mfa-php/api",
    "CORS_ORIGINS": "*",
    "PROXY_COUNT": 0,
    "TOTP_ISSUER": "MFA API",
    "OTP_TTL_SECONDS": 300,
    "MAX_FAILED_ATTEMPTS": 5,
    "BCRYPT_ROUNDS": 12,
    "JWT_TTL_SECONDS": 3600,
    "MAIL_SERVER": None,
    "MAIL_DEFAULT_SENDER": "MFA API <no-reply@localhost>",
    "MAIL_DEBUG": False,  # flask-mail would otherwise echo whole messages (codes) in debug mode
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "CHALLENGE_TTL_SECONDS": 300,
    "SETUP_TTL_SECONDS": 900,
    "ENCRYPTION_KEY": None,
    "REDIS_URL": None,
    "REDIS_PREFIX": "mfa:",
    "RATELIMIT_STORAGE_URI": None,  # memory://, or REDIS_URL when set
    "RATELIMIT_ENABLED": True,
    # Redis down: count in each worker's memory meanwhile, rather than fail every login.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_REGISTER": "5 per 15 minutes",
    "RATELIMIT_LOGIN": "10 per 5 minutes",
    "RATELIMIT_VERIFY": "10 per 5 minutes",
    "RATELIMIT_2FA_GENERATE": "5 per 15 minutes",
    "RATELIMIT_2FA_VERIFY": "10 per 5 minutes",
    "RATELIMIT_2FA_RECOVER": "5 per 15 minutes",
    "RATELIMIT_2FA_RESEND": "3 per 15 minutes",
    "RATELIMIT_2FA_PHONE": "3 per 15 minutes",
    "RATELIMIT_STEP_UP": "10 per 15 minutes",
    "RATELIMIT_UNLOCK": "5 per 15 minutes",
    # Account defence: consecutive failures, reset only by a success or an admin.
    "BACKOFF_AFTER": 5,
    "BACKOFF_BASE_SECONDS": 1,
    "BACKOFF_MAX_SECONDS": 900,
    "ACCOUNT_BACKOFF_AFTER": 20,
    "LOCK_AFTER": 100,
    "KNOWN_CLIENT_DAYS": 30,
    "UNLOCK_URL": None,
    "EVENTS_RETENTION_DAYS": 90,
    "SMS_GATEWAY_URL": None,
    "SMS_ACCOUNT_SID": None,
    "SMS_AUTH_TOKEN": None,
    "SMS_FROM": None,
}

log = logging.getLogger(__name__)

# NIST SP 800-63B 5.2.2: no more than 100 consecutive failed attempts on one account.
MAX_LOCK_AFTER = 100


@dataclass(frozen=True)
class Settings:
    """What the services need from the configuration, with the keys derived from SECRET_KEY."""

    otp_key: bytes
    jwt_key: bytes
    backup_key: bytes
    backup_cipher: Fernet  # backup-code copies are always encrypted
    secret_cipher: Fernet | None  # TOTP secrets only when ENCRYPTION_KEY is set (opt-in)
    otp_ttl_seconds: int
    challenge_ttl_seconds: int
    setup_ttl_seconds: int
    max_failed_attempts: int
    bcrypt_rounds: int
    jwt_ttl_seconds: int
    totp_issuer: str
    unlock_key: bytes
    backoff_after: int
    backoff_base_seconds: int
    backoff_max_seconds: int
    account_backoff_after: int
    lock_after: int
    known_client_seconds: int
    unlock_url: str | None
    events_retention_seconds: int


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill app.config from the defaults, then config.py and MFA_* variables (or test_config)."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        config_file = os.environ.get("MFA_CONFIG_FILE", os.path.join(os.getcwd(), "config.py"))
        app.config.from_pyfile(config_file, silent=True)
        app.config.from_prefixed_env("MFA")
    else:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{app.instance_path}/mfa.sqlite3"
    _ensure_secret_key(app)
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    _check(app.config)


def settings_from(config: dict) -> Settings:
    """Build the services' Settings from a loaded Flask config."""
    secret = config["SECRET_KEY"]
    encryption_key = config.get("ENCRYPTION_KEY")
    return Settings(
        otp_key=derive_key(secret, "email-otp"),
        jwt_key=derive_key(secret, "jwt"),
        backup_key=derive_key(secret, "backup-code"),
        backup_cipher=fernet_for(encryption_key or derive_key(secret, "backup-copy")),
        secret_cipher=fernet_for(encryption_key) if encryption_key else None,
        otp_ttl_seconds=int(config["OTP_TTL_SECONDS"]),
        challenge_ttl_seconds=int(config["CHALLENGE_TTL_SECONDS"]),
        setup_ttl_seconds=int(config["SETUP_TTL_SECONDS"]),
        max_failed_attempts=int(config["MAX_FAILED_ATTEMPTS"]),
        bcrypt_rounds=int(config["BCRYPT_ROUNDS"]),
        jwt_ttl_seconds=int(config["JWT_TTL_SECONDS"]),
        totp_issuer=str(config["TOTP_ISSUER"]),
        unlock_key=derive_key(secret, "unlock-token"),
        backoff_after=int(config["BACKOFF_AFTER"]),
        backoff_base_seconds=int(config["BACKOFF_BASE_SECONDS"]),
        backoff_max_seconds=int(config["BACKOFF_MAX_SECONDS"]),
        account_backoff_after=int(config["ACCOUNT_BACKOFF_AFTER"]),
        lock_after=int(config["LOCK_AFTER"]),
        known_client_seconds=int(config["KNOWN_CLIENT_DAYS"]) * 86400,
        unlock_url=config.get("UNLOCK_URL") or None,
        events_retention_seconds=int(config["EVENTS_RETENTION_DAYS"]) * 86400,
    )


def _ensure_secret_key(app: Flask) -> None:
    """Refuse to run in production without SECRET_KEY; make a throw-away one in development."""
    if app.config["SECRET_KEY"]:
        return
    if not (app.debug or app.testing):
        raise RuntimeError(
            "SECRET_KEY is not set. It signs tokens and keys the OTP hashes, and every worker "
            "must share it: set MFA_SECRET_KEY (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))') or SECRET_KEY in config.py."
        )
    app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
    log.warning(
        "\n%s\nSECRET_KEY is not set: using a random one for this process only (development).\n"
        "Tokens and codes stop working when it restarts. Never run like this in production.\n%s",
        "!" * 78,
        "!" * 78,
    )


def _check(config: dict) -> None:
    """Fail fast, with a readable message, on settings that cannot work."""
    problems = []
    if not str(config["DATABASE_URL"]).startswith(("sqlite:///", "mysql://", "mysql+pymysql://")):
        problems.append("DATABASE_URL must start with sqlite:/// or mysql://")
    if not 4 <= int(config["BCRYPT_ROUNDS"]) <= 31:
        problems.append("BCRYPT_ROUNDS must be between 4 and 31")
    prefix = str(config["LEGACY_PREFIX"])
    if not prefix.startswith("/") or prefix.endswith("/"):
        problems.append("LEGACY_PREFIX must start with / and not end with one")
    ttl_keys = ("OTP_TTL_SECONDS", "MAX_FAILED_ATTEMPTS", "JWT_TTL_SECONDS")
    defence_keys = ("BACKOFF_AFTER", "BACKOFF_BASE_SECONDS", "ACCOUNT_BACKOFF_AFTER")
    for key in (*ttl_keys, "CHALLENGE_TTL_SECONDS", "SETUP_TTL_SECONDS", *defence_keys):
        if int(config[key]) <= 0:
            problems.append(f"{key} must be positive")
    if int(config["BACKOFF_MAX_SECONDS"]) < int(config["BACKOFF_BASE_SECONDS"]):
        problems.append("BACKOFF_MAX_SECONDS must be at least BACKOFF_BASE_SECONDS")
    if not 1 <= int(config["LOCK_AFTER"]) <= MAX_LOCK_AFTER:
        problems.append(f"LOCK_AFTER must be between 1 and {MAX_LOCK_AFTER}")
    for key in ("EVENTS_RETENTION_DAYS", "KNOWN_CLIENT_DAYS"):
        if int(config[key]) <= 0:
            problems.append(f"{key} must be positive")
    unlock_url = config.get("UNLOCK_URL")
    if unlock_url and "{token}" not in str(unlock_url):
        problems.append("UNLOCK_URL must contain {token}")
    if problems:
        raise RuntimeError("Invalid configuration: " + "; ".join(problems))
