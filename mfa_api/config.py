"""Settings: defaults, config.py and MFA_* environment variables, and the services' view of them
(what is wrong with them is config_check's job)."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import secrets
import traceback
from dataclasses import dataclass, field, make_dataclass
from pathlib import Path
from typing import Any

import click
from cryptography.fernet import Fernet, MultiFernet
from flask import Flask
from flask.cli import ScriptInfo
from flask.helpers import get_debug_flag

from .security import argon2id
from .security.crypto import derive_key, fernet_for
from .security.passwords import EqualTime, Hasher, allow_concurrent_hashes
from .settings_table import ANY, LIBRARY, LIMIT, SECONDS, SETTINGS, SWITCH, TEXT, WHOLE, of_kind
from .state import fill, state_of

# The defaults; DATABASE_URL and WEBAUTHN_ORIGINS (None here) are filled in by load_config.
DEFAULTS = {s.name: s.default for s in SETTINGS if s.default is not LIBRARY}

log = logging.getLogger(__name__)

# Read from MFA_* variables as given: JSON-parsing them would turn a numeric secret into a number.
STRING_KEYS = tuple(s.name for s in SETTINGS if s.plain)


@dataclass(frozen=True)
class Settings:
    """What the services need from the configuration, with the keys derived from SECRET_KEY:
    a field for each value derived (a key, minutes made seconds, a hasher), and `values`, every
    setting of the table as typed, for those the services read as they are."""

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
    webhooks_timeout_seconds: float  # one post's deadline, the whole exchange
    webhooks_allow_private: bool  # receivers at loopback, private or link-local addresses
    webhooks_retention_seconds: int  # delivered and failed deliveries kept this long
    values: Values = field(repr=False)  # every setting, typed: a new one needs no field here


BOOL_KEYS = tuple(s.name for s in of_kind(SWITCH))
OPTIONAL_BOOL_KEYS = tuple(s.name for s in of_kind(SWITCH) if s.default is None)  # None: unset
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}

_TYPES = {WHOLE: int, SECONDS: float, SWITCH: bool | None, TEXT: str | None, LIMIT: str, ANY: Any}
# Every setting of the table, typed by its kind, under its name in lower case (hsts_seconds).
Values = make_dataclass("Values", [(s.name.lower(), _TYPES[s.kind]) for s in SETTINGS], frozen=True)


def typed(config: dict) -> Values:
    """The settings of a config that passed config_check, each of its kind's type."""
    cast = {WHOLE: int, SECONDS: float, SWITCH: bool, TEXT: str, LIMIT: str}
    return Values(
        **{
            s.name.lower(): value if value is None or s.kind not in cast else cast[s.kind](value)
            for s, value in ((s, config.get(s.name)) for s in SETTINGS)
        }
    )


def unreadable_file(config_file: str, exc: BaseException) -> str:
    """Why a settings file could not be read, by the error's kind and line only: its message
    may quote the file (`SECRET_KEY = kQ9z…` without quotes is a NameError naming the key)."""
    line = getattr(exc, "lineno", None)
    if line is None:
        frames = traceback.extract_tb(exc.__traceback__)
        line = next((f.lineno for f in reversed(frames) if f.filename == str(config_file)), None)
    where = f" (line {line})" if line else ""
    return f"{config_file} cannot be read: {type(exc).__name__}{where}"


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
    fill(
        app,
        development=get_debug_flag()
        or (test_config is not None and bool(test_config.get("TESTING"))),
        development_exposed=development_exposure()
        if test_config is None and get_debug_flag()
        else None,
    )
    if test_config is None:
        config_file = config_file_path(config_file)
        try:
            found = app.config.from_pyfile(config_file, silent=True)
            fill(app, settings_from=config_file if found else f"MFA_* only (no {config_file})")
        except Exception as exc:  # noqa: BLE001 - a broken config.py is reported, not a traceback
            unreadable.append(unreadable_file(config_file, exc))
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
    return state_of(app).development


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
    setting = state_of(app).values.docs_enabled
    return development(app) if setting is None else setting


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


def apply_process_wide(config: Values) -> None:
    """What the settings decide for the whole process, done once by create_app: how many
    password hashes run at once, and whether Argon2id's memory block stays between them."""
    allow_concurrent_hashes(config.password_hash_concurrency)
    argon2id.keep_blocks(config.argon2_keep_memory, config.argon2_memory_kib)


def settings_from(config: Values, *, development: bool = False) -> Settings:
    """Build the services' Settings from the typed settings (development: FLASK_DEBUG=1)."""
    secret = config.secret_key
    ring = [Fernet(key) for key in config.encryption_keys or []]
    if config.encryption_key:
        ring.append(fernet_for(config.encryption_key))
    hasher = Hasher(
        scheme=config.password_hash,
        bcrypt_rounds=config.bcrypt_rounds,
        argon2_time_cost=config.argon2_time_cost,
        argon2_memory_kib=config.argon2_memory_kib,
        argon2_parallelism=config.argon2_parallelism,
    )
    return Settings(
        otp_key=derive_key(secret, "email-otp"),
        jwt_key=derive_key(secret, "jwt"),
        secret_cipher=MultiFernet(ring) if ring else None,
        secret_newest=ring[0] if ring else None,
        otp_ttl_seconds=config.otp_ttl_seconds,
        challenge_ttl_seconds=config.challenge_ttl_seconds,
        setup_ttl_seconds=config.setup_ttl_seconds,
        max_failed_attempts=config.max_failed_attempts,
        hasher=hasher,
        password_check=EqualTime(hasher, config.legacy_bcrypt_cost or None),
        jwt_ttl_seconds=config.jwt_ttl_seconds,
        jwt_leeway_seconds=config.jwt_leeway_seconds,
        clock_skew_max_seconds=config.clock_skew_max_seconds,
        totp_issuer=config.totp_issuer,
        legacy_unlock_key=derive_key(secret, "unlock-token"),
        backoff_after=config.backoff_after,
        backoff_base_seconds=config.backoff_base_seconds,
        backoff_max_seconds=config.backoff_max_seconds,
        account_backoff_after=config.account_backoff_after,
        lock_after=config.lock_after,
        known_client_seconds=config.known_client_days * 86400,
        legacy_device_key=derive_key(secret, "remembered-device"),
        remember_device_seconds=config.remember_device_days * 86400,
        webauthn_rp_id=config.webauthn_rp_id,
        webauthn_rp_name=str(config.webauthn_rp_name or config.totp_issuer),
        webauthn_origins=webauthn_origins(config.webauthn_origins),
        explain_refusals=development,
        unlock_url=config.unlock_url or None,
        events_retention_seconds=config.events_retention_days * 86400,
        admin_events_lag_seconds=config.admin_events_lag_seconds,
        reject_common_passwords=config.reject_common_passwords,
        reject_special_use_domains=config.reject_special_use_domains,
        webhooks_timeout_seconds=float(config.webhooks_timeout_seconds),
        webhooks_allow_private=config.webhooks_allow_private,
        webhooks_retention_seconds=config.webhooks_retention_days * 86400,
        values=config,
    )
