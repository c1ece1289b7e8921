"""What is wrong with a configuration: settings that cannot work (always fatal), settings that
are unsafe (fatal outside development), and weak set-ups (warnings); `flask check-config`."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import click
from cryptography.fernet import Fernet
from flask import Flask, current_app
from flask.cli import with_appcontext

MIN_SECRET_BYTES = 32
MAX_LOCK_AFTER = 100  # NIST SP 800-63B 5.2.2: at most 100 consecutive failed attempts
# Every SECRET_KEY config.example.py ever shipped: a copied example must never sign a token.
EXAMPLE_SECRET_KEYS = {"change-me-to-a-long-random-string"}
MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105


class ConfigError(RuntimeError):
    """The configuration stops the service from starting."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration; fatal ones stop the start."""

    message: str
    fatal: bool


def problems(config: dict, *, development: bool) -> list[Problem]:
    """Every problem of config: invalid settings, unsafe ones, weak ones."""
    found = [Problem(message, True) for message in _invalid(config)]
    found += [Problem(message, not development) for message in _unsafe(config)]
    found += [Problem(message, False) for message in _weak(config, development=development)]
    return found


def refuse_if_fatal(found: list[Problem]) -> None:
    """Raise ConfigError with the first fatal problem (and how many more there are)."""
    fatal = [p.message for p in found if p.fatal]
    if not fatal:
        return
    more = f" (and {len(fatal) - 1} more: run flask --app wsgi check-config)" if fatal[1:] else ""
    raise ConfigError(fatal[0] + more)


def checking_config() -> bool:
    """True when the command being run is `flask check-config`, which must load an app whose
    configuration is wrong in order to say everything that is wrong with it."""
    return "check-config" in sys.argv[1:]


def _invalid(config: dict) -> list[str]:
    found = []
    if not str(config["DATABASE_URL"]).startswith(("sqlite:///", "mysql://", "mysql+pymysql://")):
        found.append("DATABASE_URL must start with sqlite:/// or mysql://")
    numbers = {key: _whole(config, key, found) for key in _NUMBER_KEYS}
    if numbers["BCRYPT_ROUNDS"] is not None and not 4 <= numbers["BCRYPT_ROUNDS"] <= 31:
        found.append("BCRYPT_ROUNDS must be between 4 and 31")
    for key in _POSITIVE_KEYS:
        if numbers[key] is not None and numbers[key] <= 0:
            found.append(f"{key} must be positive")
    base, top = numbers["BACKOFF_BASE_SECONDS"], numbers["BACKOFF_MAX_SECONDS"]
    if base is not None and top is not None and top < base:
        found.append("BACKOFF_MAX_SECONDS must be at least BACKOFF_BASE_SECONDS")
    lock_after = numbers["LOCK_AFTER"]
    if lock_after is not None and not 1 <= lock_after <= MAX_LOCK_AFTER:
        found.append(f"LOCK_AFTER must be between 1 and {MAX_LOCK_AFTER}")
    prefix = str(config["LEGACY_PREFIX"])
    if not prefix.startswith("/") or prefix.endswith("/"):
        found.append("LEGACY_PREFIX must start with / and not end with one")
    unlock_url = config.get("UNLOCK_URL")
    if unlock_url and "{token}" not in str(unlock_url):
        found.append("UNLOCK_URL must contain {token}")
    for key in _SECONDS_KEYS:
        if not _positive_number(config.get(key)):
            found.append(f"{key} must be a positive number of seconds")
    found += _bad_keys(config)
    return found


def _positive_number(value) -> bool:
    try:
        return not isinstance(value, bool) and float(value) > 0
    except (TypeError, ValueError):
        return False


_POSITIVE_KEYS = (
    "OTP_TTL_SECONDS",
    "MAX_FAILED_ATTEMPTS",
    "JWT_TTL_SECONDS",
    "CHALLENGE_TTL_SECONDS",
    "SETUP_TTL_SECONDS",
    "BACKOFF_AFTER",
    "BACKOFF_BASE_SECONDS",
    "ACCOUNT_BACKOFF_AFTER",
    "EVENTS_RETENTION_DAYS",
    "KNOWN_CLIENT_DAYS",
)
_SECONDS_KEYS = (
    "DB_CONNECT_TIMEOUT_SECONDS",
    "DB_TIMEOUT_SECONDS",
    "REDIS_TIMEOUT_SECONDS",
    "MAIL_TIMEOUT_SECONDS",
    "SMS_TIMEOUT_SECONDS",
    "BREAKER_SECONDS",
)
_NUMBER_KEYS = (
    *_POSITIVE_KEYS,
    "BCRYPT_ROUNDS",
    "BACKOFF_MAX_SECONDS",
    "LOCK_AFTER",
    "PROXY_COUNT",
    "HSTS_SECONDS",
)


def _whole(config: dict, key: str, found: list[str]) -> int | None:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        found.append(f"{key} must be a whole number")
        return None
    try:
        return int(value)
    except ValueError:
        found.append(f"{key} must be a whole number")
        return None


def _bad_keys(config: dict) -> list[str]:
    keys = config.get("ENCRYPTION_KEYS") or []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return ["ENCRYPTION_KEYS must be a JSON list of keys made by flask gen-key"]
    for n, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return [f"ENCRYPTION_KEYS[{n}] is not a key made by flask gen-key"]
    return []


def _unsafe(config: dict) -> list[str]:
    found = []
    secret = config.get("SECRET_KEY")
    if not secret:
        found.append(f"SECRET_KEY is not set (make one with: {MAKE_SECRET})")
    elif not isinstance(secret, str):
        found.append("SECRET_KEY must be a string")
    elif secret in EXAMPLE_SECRET_KEYS:
        found.append(f"SECRET_KEY is the example's; make your own with: {MAKE_SECRET}")
    elif len(secret.encode()) < MIN_SECRET_BYTES:
        found.append(f"SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes ({MAKE_SECRET})")
    if not config.get("MAIL_SERVER"):
        found.append(
            "MAIL_SERVER is not set: every one-time code would be written to the log "
            "(development only)"
        )
    if not has_encryption_key(config) and not config.get("ALLOW_PLAINTEXT_SECRETS"):
        found.append(
            "no ENCRYPTION_KEYS: TOTP secrets would be stored in plain text (make a key with "
            "flask gen-key; ALLOW_PLAINTEXT_SECRETS=true only while a PHP mfa-php reads them)"
        )
    return found


def has_encryption_key(config: dict) -> bool:
    """True when an encryption key ring (or the older single ENCRYPTION_KEY) is configured."""
    return bool(config.get("ENCRYPTION_KEYS") or config.get("ENCRYPTION_KEY"))


def _weak(config: dict, *, development: bool) -> list[str]:
    found = []
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if not development and config.get("RATELIMIT_ENABLED") and storage.startswith("memory://"):
        found.append(
            "rate limits are counted in each worker's memory (no REDIS_URL): with several "
            "workers or hosts every limit is multiplied by their number"
        )
    if not development and config.get("ALLOW_PLAINTEXT_SECRETS") and has_encryption_key(config):
        found.append("ALLOW_PLAINTEXT_SECRETS is set but unused: an encryption key is set")
    return found


@click.command("check-config")
@with_appcontext
def check_config_command() -> None:
    """Print every problem with the configuration; exit 1 if one would stop the service."""
    found = current_app.extensions["mfa_config_problems"]
    for problem in found:
        click.echo(f"{'error' if problem.fatal else 'warning'}: {problem.message}")
    if not found:
        click.echo("The configuration is fine.")
    if any(p.fatal for p in found):
        sys.exit(1)


def init_config_check(app: Flask, found: list[Problem]) -> None:
    """Keep the problems found at start-up for `flask check-config`, and add the command."""
    app.extensions["mfa_config_problems"] = found
    app.cli.add_command(check_config_command)
