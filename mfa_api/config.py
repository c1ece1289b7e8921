"""Settings: defaults, config.py and MFA_* environment variables, and the services' view of them
(what is wrong with them is config_check's job)."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import click
from cryptography.fernet import Fernet, MultiFernet
from flask import Flask
from flask.cli import ScriptInfo
from flask.helpers import get_debug_flag

from .security import argon2id
from .security.crypto import derive_key, fernet_for
from .security.passwords import EqualTime, Hasher, allow_concurrent_hashes

DEFAULTS = {
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # filled in by load_config: SQLite in the instance folder
    "LEGACY_PREFIX": "/mfa-php/api",
    "CORS_ORIGINS": "*",
    "PROXY_COUNT": 0,
    "TOTP_ISSUER": "MFA API",
    "OTP_TTL_SECONDS": 300,
    "MAX_FAILED_ATTEMPTS": 5,
    # New password hashes: Argon2id at OWASP's parameters, or bcrypt (a PHP reads the hashes).
    "PASSWORD_HASH": "argon2id",
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_KIB": 19456,
    "ARGON2_PARALLELISM": 1,
    "PASSWORD_HASH_CONCURRENCY": 1,  # hashes at once per process (gunicorn runs several)
    "ARGON2_KEEP_MEMORY": True,  # each process keeps its Argon2id block between hashes
    "BCRYPT_ROUNDS": 12,
    # The bcrypt cost of hashes an upgraded mfa-php database holds (PHP's default); wrong
    # passwords take at least as long as a check at it. None: no such hashes.
    "LEGACY_BCRYPT_COST": 10,
    "JWT_TTL_SECONDS": 3600,
    # Seconds a token is still taken after its expiry: room for app hosts' clocks a little apart.
    "JWT_LEEWAY_SECONDS": 5,
    "CLOCK_SKEW_MAX_SECONDS": 10,
    "MAIL_SERVER": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_DEFAULT_SENDER": "MFA API <no-reply@localhost>",
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "CHALLENGE_TTL_SECONDS": 300,
    "SETUP_TTL_SECONDS": 900,
    "ENCRYPTION_KEYS": None,  # a key ring: Fernet keys made by `flask gen-key`, newest first
    "ENCRYPTION_KEY": None,  # the older single key (any string); still read, as the oldest
    "ALLOW_PLAINTEXT_SECRETS": False,
    "REJECT_COMMON_PASSWORDS": True,
    "REJECT_SPECIAL_USE_DOMAINS": False,  # mfa-php took corp.local and example.test addresses
    "HSTS_SECONDS": 0,
    "REDIS_URL": None,
    "REDIS_PREFIX": "mfa:",
    "RATELIMIT_STORAGE_URI": None,  # memory://, or REDIS_URL when set
    "RATELIMIT_ENABLED": True,
    # Redis down: count in each worker's memory meanwhile, rather than fail every login. A
    # request whose storage call fails while another thread is switching to that fallback is
    # let through (flask-limiter would otherwise raise: a 500).
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
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
    "RATELIMIT_PASSWORD_CHECKS": "60 per 5 minutes",
    "RATELIMIT_ADMIN": "600 per minute",  # the admin API (/api/admin), per key
    # /docs (Swagger UI): None = on in development only; /openapi.json is always served.
    "DOCS_ENABLED": None,
    # Account defence: consecutive failures, reset only by a success or an admin.
    "BACKOFF_AFTER": 5,
    "BACKOFF_BASE_SECONDS": 1,
    "BACKOFF_MAX_SECONDS": 900,
    "ACCOUNT_BACKOFF_AFTER": 20,
    "LOCK_AFTER": 100,
    "KNOWN_CLIENT_DAYS": 30,
    "REMEMBER_DEVICE_DAYS": 30,  # a device remembered after a second step skips it this long
    # Passkeys (WebAuthn): the relying party's id (the site's domain), the name authenticators
    # show (None: TOTP_ISSUER), and the origins ceremonies may come from (commas, or a list).
    "WEBAUTHN_RP_ID": "localhost",
    "WEBAUTHN_RP_NAME": None,
    "WEBAUTHN_ORIGINS": None,  # filled in by load_config: http://localhost:<flask run's port>
    "UNLOCK_URL": None,
    "EVENTS_RETENTION_DAYS": 90,
    # GET /api/admin/events leaves out events younger than this: one carries the time its
    # request started and commits up to a request's life later (gunicorn's 30 s timeout).
    "ADMIN_EVENTS_LAG_SECONDS": 30,
    # Deadlines (seconds) for every call to a dependency, all below gunicorn's 30 s timeout, and
    # how long a dependency that failed is then skipped (answered 503 at once).
    "DB_CONNECT_TIMEOUT_SECONDS": 2,
    "DB_TIMEOUT_SECONDS": 5,
    "REDIS_TIMEOUT_SECONDS": 0.5,
    "MAIL_TIMEOUT_SECONDS": 5,
    "SMS_TIMEOUT_SECONDS": 5,
    "BREAKER_SECONDS": 5,
    "SMS_GATEWAY_URL": None,
    "SMS_ACCOUNT_SID": None,
    "SMS_AUTH_TOKEN": None,
    "SMS_FROM": None,
    # Operations: the request log's format (text or json), and /metrics (Prometheus).
    "LOG_FORMAT": "text",
    "METRICS_ENABLED": False,
    # Development mode (FLASK_DEBUG=1) beyond `flask run` on loopback: under a WSGI server or
    # on an address others reach. Off: the service refuses to start so.
    "ALLOW_DEVELOPMENT_MODE": False,
}

log = logging.getLogger(__name__)

# Read from MFA_* variables as given: JSON-parsing them would turn a numeric secret into a number.
STRING_KEYS = (
    "SECRET_KEY",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_RP_NAME",
    "WEBAUTHN_ORIGINS",
    "ENCRYPTION_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_PREFIX",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "SMS_GATEWAY_URL",
    "SMS_ACCOUNT_SID",
    "SMS_AUTH_TOKEN",
    "SMS_FROM",
    "TOTP_ISSUER",
    "LEGACY_PREFIX",
    "UNLOCK_URL",
    "LOG_FORMAT",
    "PASSWORD_HASH",
)


@dataclass(frozen=True)
class Settings:
    """What the services need from the configuration, with the keys derived from SECRET_KEY."""

    otp_key: bytes
    jwt_key: bytes
    secret_cipher: MultiFernet | None  # TOTP secrets, unless no key is set (plaintext allowed)
    secret_newest: Fernet | None
    otp_ttl_seconds: int
    challenge_ttl_seconds: int
    setup_ttl_seconds: int
    max_failed_attempts: int
    hasher: Hasher  # new password hashes
    password_check: EqualTime  # checks them all, wrong ones in equal time
    jwt_ttl_seconds: int
    jwt_leeway_seconds: int  # a token expired by at most this much is still taken (clock skew)
    clock_skew_max_seconds: int  # /readyz: this host's clock off the database's by more (0: off)
    totp_issuer: str
    legacy_unlock_key: bytes  # unlock tokens mailed before the unkeyed hash (lockout.py)
    backoff_after: int
    backoff_base_seconds: int
    backoff_max_seconds: int
    account_backoff_after: int
    lock_after: int
    known_client_seconds: int
    legacy_device_key: bytes  # device tokens remembered before the unkeyed hash (devices.py)
    remember_device_seconds: int
    webauthn_rp_id: str
    webauthn_rp_name: str
    webauthn_origins: tuple[str, ...]
    explain_refusals: bool  # development: a refused passkey's answer says why (its origin)
    unlock_url: str | None
    events_retention_seconds: int
    admin_events_lag_seconds: int  # the admin API's event feed stays this far behind now
    reject_common_passwords: bool
    reject_special_use_domains: bool


BOOL_KEYS = (
    "ALLOW_PLAINTEXT_SECRETS",
    "REJECT_COMMON_PASSWORDS",
    "REJECT_SPECIAL_USE_DOMAINS",
    "ARGON2_KEEP_MEMORY",
    "RATELIMIT_ENABLED",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "DOCS_ENABLED",
    "METRICS_ENABLED",
    "ALLOW_DEVELOPMENT_MODE",
)
OPTIONAL_BOOL_KEYS = ("DOCS_ENABLED",)  # unset (None) means the default behaviour
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def config_file_path(default: str | os.PathLike | None = None) -> str:
    """Where the settings file is: MFA_CONFIG_FILE, else the given default (wsgi.py passes the
    config.py beside it), else config.py in the working directory."""
    return os.environ.get("MFA_CONFIG_FILE") or str(
        default or os.path.join(os.getcwd(), "config.py")
    )


def instance_folder(package_dir: str | os.PathLike, cwd: str | os.PathLike) -> str:
    """The instance folder (the default SQLite file's home): in a source checkout (wsgi.py and
    pyproject.toml beside the package) its instance/, where `make run` has always kept it;
    for an installed package, instance/ in the working directory, as with its config.py.
    (Flask's own default for an installed package is inside the virtualenv, <venv>/var/,
    deleted with it.)"""
    checkout = Path(package_dir).resolve().parent
    if (checkout / "wsgi.py").is_file() and (checkout / "pyproject.toml").is_file():
        return str(checkout / "instance")
    return str(Path(cwd).resolve() / "instance")


def load_config(
    app: Flask, test_config: dict | None, config_file: str | os.PathLike | None = None
) -> list[str]:
    """Fill app.config from the defaults, then the settings file (config_file_path) and MFA_*
    variables (or test_config); what could not be read (for config_check to report)."""
    app.config.from_mapping(DEFAULTS)
    unreadable = []
    app.extensions["mfa_development"] = get_debug_flag() or (
        test_config is not None and bool(test_config.get("TESTING"))
    )
    if test_config is None and get_debug_flag():
        app.extensions["mfa_development_exposed"] = development_exposure()
    if test_config is None:
        config_file = config_file_path(config_file)
        try:
            found = app.config.from_pyfile(config_file, silent=True)
            app.extensions["mfa_settings_from"] = (
                config_file if found else f"MFA_* only (no {config_file})"
            )
        except Exception as exc:  # noqa: BLE001 - a broken config.py is reported, not a traceback
            unreadable.append(f"{config_file} cannot be read: {type(exc).__name__}: {exc}")
        app.config.from_prefixed_env("MFA")
        for key in STRING_KEYS:
            if f"MFA_{key}" in os.environ:
                app.config[key] = os.environ[f"MFA_{key}"]
    else:
        app.config.from_mapping(test_config)
    for key in BOOL_KEYS:  # "False" in an environment variable means false
        value = app.config.get(key)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            app.config[key] = value.strip().lower() in _TRUE
        elif type(value) is int and value in (0, 1):  # MFA_X=1 parses as JSON: the number 1
            app.config[key] = bool(value)
    if isinstance(app.config["ENCRYPTION_KEYS"], str):  # one key given as a plain string
        app.config["ENCRYPTION_KEYS"] = [app.config["ENCRYPTION_KEYS"]]
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{app.instance_path}/mfa.sqlite3"
    if not app.config["WEBAUTHN_ORIGINS"]:  # the port `flask run` listens on (make run's PORT)
        app.config["WEBAUTHN_ORIGINS"] = default_webauthn_origin(os.environ)
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    return unreadable


def development(app: Flask) -> bool:
    """True in development (FLASK_DEBUG=1 in the environment) and in the tests' own apps: unsafe
    settings are warnings there. (DEBUG or TESTING set in config.py or MFA_* is not that.)"""
    return bool(app.extensions.get("mfa_development"))


def _loopback(host: str | None) -> bool:
    """Whether host names this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def development_exposure() -> str | None:
    """How development mode would be reachable beyond `flask run` on loopback, or None.

    Only a `flask` command loads the app inside Flask's own command line (its ScriptInfo); a
    WSGI server (gunicorn, mod_wsgi) imports wsgi.py outside it. Other `flask` commands
    (init-db, openapi) serve nobody.
    """
    command = click.get_current_context(silent=True)
    if command is None or command.find_object(ScriptInfo) is None:
        return "under a WSGI server"
    host = command.params.get("host") if command.command.name == "run" else "127.0.0.1"
    return None if _loopback(host) else f"on {host}, an address others reach"


def docs_enabled(app: Flask) -> bool:
    """Whether /docs is served: DOCS_ENABLED when set, else in development only."""
    setting = app.config.get("DOCS_ENABLED")
    return development(app) if setting is None else bool(setting)


def use_throwaway_secret_key(app: Flask) -> None:
    """Without SECRET_KEY (allowed in development only) make a random one for this process."""
    if app.config["SECRET_KEY"]:
        return
    app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
    log.warning(
        "\n%s\nSECRET_KEY is not set: using a random one for this process only (development).\n"
        "Tokens and codes stop working when it restarts. Never run like this in production.\n%s",
        "!" * 78,
        "!" * 78,
    )


def default_webauthn_origin(environ: dict) -> str:
    """The development origin: localhost at the port `flask run` listens on (FLASK_RUN_PORT,
    which `make run` sets from PORT), else Flask's 5000."""
    return f"http://localhost:{environ.get('FLASK_RUN_PORT') or 5000}"


def webauthn_origins(value: str | list) -> tuple[str, ...]:
    """Origins given as a list, a JSON list (MFA_WEBAUTHN_ORIGINS='["https://a", …]') or
    separated by commas; ValueError for anything else."""
    if isinstance(value, str) and value.strip().startswith("["):
        value = json.loads(value)  # a JSONDecodeError is a ValueError
    if isinstance(value, str):
        listed = value.split(",")
    elif isinstance(value, list | tuple) and all(isinstance(o, str) for o in value):
        listed = value
    else:
        raise ValueError("neither origins separated by commas nor a list of them")
    return tuple(o.strip() for o in listed if o.strip())


def settings_from(config: dict, *, development: bool = False) -> Settings:
    """Build the services' Settings from a loaded Flask config (development: FLASK_DEBUG=1)."""
    secret = config["SECRET_KEY"]
    ring = [Fernet(key) for key in config.get("ENCRYPTION_KEYS") or []]
    if config.get("ENCRYPTION_KEY"):
        ring.append(fernet_for(config["ENCRYPTION_KEY"]))
    allow_concurrent_hashes(int(config["PASSWORD_HASH_CONCURRENCY"]))
    argon2id.keep_blocks(bool(config["ARGON2_KEEP_MEMORY"]), int(config["ARGON2_MEMORY_KIB"]))
    hasher = Hasher(
        scheme=str(config["PASSWORD_HASH"]),
        bcrypt_rounds=int(config["BCRYPT_ROUNDS"]),
        argon2_time_cost=int(config["ARGON2_TIME_COST"]),
        argon2_memory_kib=int(config["ARGON2_MEMORY_KIB"]),
        argon2_parallelism=int(config["ARGON2_PARALLELISM"]),
    )
    return Settings(
        otp_key=derive_key(secret, "email-otp"),
        jwt_key=derive_key(secret, "jwt"),
        secret_cipher=MultiFernet(ring) if ring else None,
        secret_newest=ring[0] if ring else None,
        otp_ttl_seconds=int(config["OTP_TTL_SECONDS"]),
        challenge_ttl_seconds=int(config["CHALLENGE_TTL_SECONDS"]),
        setup_ttl_seconds=int(config["SETUP_TTL_SECONDS"]),
        max_failed_attempts=int(config["MAX_FAILED_ATTEMPTS"]),
        hasher=hasher,
        password_check=EqualTime(hasher, config.get("LEGACY_BCRYPT_COST") or None),
        jwt_ttl_seconds=int(config["JWT_TTL_SECONDS"]),
        jwt_leeway_seconds=int(config["JWT_LEEWAY_SECONDS"]),
        clock_skew_max_seconds=int(config["CLOCK_SKEW_MAX_SECONDS"]),
        totp_issuer=str(config["TOTP_ISSUER"]),
        legacy_unlock_key=derive_key(secret, "unlock-token"),
        backoff_after=int(config["BACKOFF_AFTER"]),
        backoff_base_seconds=int(config["BACKOFF_BASE_SECONDS"]),
        backoff_max_seconds=int(config["BACKOFF_MAX_SECONDS"]),
        account_backoff_after=int(config["ACCOUNT_BACKOFF_AFTER"]),
        lock_after=int(config["LOCK_AFTER"]),
        known_client_seconds=int(config["KNOWN_CLIENT_DAYS"]) * 86400,
        legacy_device_key=derive_key(secret, "remembered-device"),
        remember_device_seconds=int(config["REMEMBER_DEVICE_DAYS"]) * 86400,
        webauthn_rp_id=str(config["WEBAUTHN_RP_ID"]),
        webauthn_rp_name=str(config["WEBAUTHN_RP_NAME"] or config["TOTP_ISSUER"]),
        webauthn_origins=webauthn_origins(config["WEBAUTHN_ORIGINS"]),
        explain_refusals=development,
        unlock_url=config.get("UNLOCK_URL") or None,
        events_retention_seconds=int(config["EVENTS_RETENTION_DAYS"]) * 86400,
        admin_events_lag_seconds=int(config["ADMIN_EVENTS_LAG_SECONDS"]),
        reject_common_passwords=bool(config["REJECT_COMMON_PASSWORDS"]),
        reject_special_use_domains=bool(config["REJECT_SPECIAL_USE_DOMAINS"]),
    )
