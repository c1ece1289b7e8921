"""What is wrong with a configuration: settings that cannot work (always fatal), settings that
are unsafe (fatal outside development), and weak set-ups (warnings); `flask check-config`."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from limits import parse_many
from limits.storage import SCHEMES as STORAGE_SCHEMES

from .config import BOOL_KEYS, OPTIONAL_BOOL_KEYS, webauthn_origins
from .db import mysql_url_problem
from .health import unready_parts
from .metrics import multiprocess_mode
from .redis_client import is_sentinel, sentinel_url_problem
from .security import randomness
from .settings_shown import hide_secrets, settings_lines
from .settings_table import LIMIT, SECONDS, SETTINGS, WHOLE, of_kind
from .state import fill, state, state_of

MIN_SECRET_BYTES = 32
MIN_DISTINCT_CHARACTERS = 10  # 32 bytes of "a" are not a secret
# Every secret config.example.py ever shipped: a copied example must never sign or encrypt.
EXAMPLE_SECRET_KEYS = {"change-me-to-a-long-random-string"}
EXAMPLE_ENCRYPTION_KEYS = {"another-long-random-string"}
DEBUG_OUTSIDE_DEVELOPMENT = (
    "DEBUG and TESTING must not be set outside development (use FLASK_DEBUG=1)"
)
MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105
# What key generators print: hex (one case) or base64 / base64url, padded or not.
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


class ConfigError(RuntimeError):
    """The configuration stops the service from starting."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration; fatal ones stop the start."""

    message: str
    fatal: bool


def problems(
    config: dict, *, development: bool, unreadable: list[str] = (), exposed: str | None = None
) -> list[Problem]:
    """Every problem of config: development mode exposed (see config.development_exposure),
    what could not be read, invalid settings, unsafe ones, weak ones; no secret value in any
    message (they are printed and logged)."""
    found = _exposed(config, exposed)
    found += [Problem(message, True) for message in [*unreadable, *_invalid(config)]]
    found += [Problem(message, not development) for message in _unsafe(config)]
    if not development and (config.get("DEBUG") or config.get("TESTING")):
        found.append(Problem(DEBUG_OUTSIDE_DEVELOPMENT, True))
    found += [Problem(message, False) for message in _weak(config, development=development)]
    return [Problem(hide_secrets(p.message, config), p.fatal) for p in found]


def _exposed(config: dict, exposed: str | None) -> list[Problem]:
    """Development mode served beyond `flask run` on loopback: fatal unless opted into, since
    it turns every refusal below into a warning and serves /dev/outbox and /docs."""
    if exposed is None:
        return []
    allowed = config.get("ALLOW_DEVELOPMENT_MODE") is True
    message = (
        f"development mode (FLASK_DEBUG=1) {exposed}: unset FLASK_DEBUG in production, or set "
        "ALLOW_DEVELOPMENT_MODE=true on a development machine"
    )
    return [Problem(message, not allowed)]


def refuse_if_fatal(found: list[Problem]) -> None:
    """Raise ConfigError with the first fatal problem (and how many more there are)."""
    fatal = [p.message for p in found if p.fatal]
    if not fatal:
        return
    more = f" (and {len(fatal) - 1} more: run flask --app wsgi check-config)" if fatal[1:] else ""
    raise ConfigError(fatal[0] + more)


COMMANDS_FOR_BROKEN_CONFIGS = ("check-config", "gen-key")


def checking_config() -> bool:
    """True when the command being run is one that must work whatever the configuration:
    `flask check-config` (to say what is wrong) and `flask gen-key` (to make the missing key)."""
    return any(command in sys.argv[1:] for command in COMMANDS_FOR_BROKEN_CONFIGS)


def _invalid(config: dict) -> list[str]:
    found = []
    database_url = str(config["DATABASE_URL"])
    if not database_url.startswith(("sqlite:///", "mysql://", "mysql+pymysql://")):
        found.append("DATABASE_URL must start with sqlite:/// or mysql://")
    elif database_url.startswith("mysql") and mysql_url_problem(database_url):
        found.append(f"DATABASE_URL {mysql_url_problem(database_url)}")
    numbers = {s.name: _whole(config, s.name, found) for s in of_kind(WHOLE)}
    found += _out_of_bounds(numbers)
    found += _bad_choices(config) + _bad_password_hash(config, numbers)
    base, top = numbers["BACKOFF_BASE_SECONDS"], numbers["BACKOFF_MAX_SECONDS"]
    if base is not None and top is not None and top < base:
        found.append("BACKOFF_MAX_SECONDS must be at least BACKOFF_BASE_SECONDS")
    prefix = str(config["LEGACY_PREFIX"])
    if not prefix.startswith("/") or prefix.endswith("/"):
        found.append("LEGACY_PREFIX must start with / and not end with one")
    unlock_url = config.get("UNLOCK_URL")
    if unlock_url and "{token}" not in str(unlock_url):
        found.append("UNLOCK_URL must contain {token}")
    for s in of_kind(SECONDS):  # deadlines: below gunicorn's 30 s worker timeout
        if not _positive_number(config.get(s.name)) or float(config[s.name]) > s.high:
            found.append(f"{s.name} must be a number of seconds above 0 and at most {s.high}")
    found += [
        f"{key} must be true or false"
        for key in BOOL_KEYS
        if not isinstance(config.get(key), bool)
        and not (key in OPTIONAL_BOOL_KEYS and config.get(key) is None)
    ]
    found += _bad_limits(config) + _bad_urls(config) + _bad_keys(config) + _bad_shapes(config)
    return found


def _out_of_bounds(numbers: dict[str, int | None]) -> list[str]:
    """Whole numbers beyond their settings' bounds: first those above their maximum, then
    those not positive, then those outside a range of their own."""
    given = [(s, numbers[s.name]) for s in of_kind(WHOLE) if numbers[s.name] is not None]
    plain = [(s, n) for s, n in given if s.bounds_message is None]
    found = [
        f"{s.name} must be at most {s.high}" for s, n in plain if s.high is not None and n > s.high
    ]
    found += [f"{s.name} must be positive" for s, n in plain if s.low == 1 and n <= 0]
    return found + [
        f"{s.name} " + s.bounds_message.format(low=s.low, high=s.high)
        for s, n in given
        if s.bounds_message is not None and not s.low <= n <= s.high
    ]


def _bad_choices(config: dict) -> list[str]:
    """Settings that must be one of a few names (PASSWORD_HASH, LOG_FORMAT) and are not."""
    return [
        f"{s.name} must be one of: {', '.join(s.choices)}"
        for s in SETTINGS
        if s.choices and config.get(s.name) not in s.choices
    ]


def _bad_password_hash(config: dict, numbers: dict) -> list[str]:
    found = []
    memory, lanes = numbers["ARGON2_MEMORY_KIB"], numbers["ARGON2_PARALLELISM"]
    if memory is not None and lanes is not None and memory < 8 * lanes:
        found.append("ARGON2_MEMORY_KIB must be at least 8 times ARGON2_PARALLELISM")
    legacy = config.get("LEGACY_BCRYPT_COST")
    if legacy is not None and (
        isinstance(legacy, bool) or not isinstance(legacy, int) or not 4 <= legacy <= 31
    ):
        found.append("LEGACY_BCRYPT_COST must be between 4 and 31, or unset (null)")
    return found


def _bad_limits(config: dict) -> list[str]:
    found = []
    for key in (s.name for s in of_kind(LIMIT)):
        try:
            if not parse_many(str(config.get(key))):
                raise ValueError("no limit")
        except ValueError:
            found.append(f"{key} must be a limit such as '10 per 5 minutes'")
    return found


def _bad_urls(config: dict) -> list[str]:
    found = []
    redis_url = config.get("REDIS_URL")
    if is_sentinel(redis_url):
        found += filter(None, [sentinel_url_problem("REDIS_URL", redis_url)])
    elif redis_url and not str(redis_url).startswith(("redis://", "rediss://", "unix://")):
        found.append("REDIS_URL must start with redis://, rediss://, unix:// or redis+sentinel://")
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.split("://", 1)[0] not in STORAGE_SCHEMES or "://" not in storage:
        found.append("RATELIMIT_STORAGE_URI must be a flask-limiter storage (memory://, redis://…)")
    elif is_sentinel(storage) and storage != redis_url:
        found += filter(None, [sentinel_url_problem("RATELIMIT_STORAGE_URI", storage)])
    return found


def _bad_shapes(config: dict) -> list[str]:
    found = []
    origins = config.get("CORS_ORIGINS")
    if not (
        isinstance(origins, str)
        or (isinstance(origins, list) and all(isinstance(o, str) for o in origins))
    ):
        found.append('CORS_ORIGINS must be "*", origins separated by commas, or a list of them')
    found += _bad_webauthn(config)
    if config.get("MAIL_SERVER") and not str(config.get("MAIL_DEFAULT_SENDER") or "").strip():
        found.append("MAIL_DEFAULT_SENDER must be set when MAIL_SERVER is")
    return found


def _bad_webauthn(config: dict) -> list[str]:
    """What would make every passkey ceremony fail: the origins unreadable, one that is no
    origin or not under the relying party's id. One line, the first such problem."""
    rp_id = config.get("WEBAUTHN_RP_ID")
    if not isinstance(rp_id, str) or not rp_id.strip() or rp_id != rp_id.strip().lower():
        return ["WEBAUTHN_RP_ID must be the site's domain in lower case (localhost in development)"]
    try:
        origins = webauthn_origins(config.get("WEBAUTHN_ORIGINS"))
    except ValueError:
        origins = ()
    if not origins:
        return ["WEBAUTHN_ORIGINS must be origins separated by commas, or a JSON list of them"]
    for origin in origins:
        why = origin_problem(origin, rp_id)
        if why:
            return [f"WEBAUTHN_ORIGINS: {origin!r} {why}"]
    return []


def origin_problem(origin: str, rp_id: str) -> str | None:
    """Why origin can never match a browser's (WebAuthn compares them as strings) or does not
    belong to the relying party rp_id, or None."""
    try:
        parts = urlsplit(origin)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "is not an origin (scheme://host[:port])"
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        return "is not an origin (scheme://host[:port], https or http)"
    if parts.path or parts.query or parts.fragment or "?" in origin or "#" in origin:
        return "must be scheme://host[:port] alone, without a path, query or fragment"
    written = f"[{host}]" if ":" in host else host
    default_port = {"https": 443, "http": 80}[parts.scheme]
    exact = f"{parts.scheme}://{written}" + (f":{port}" if port not in (None, default_port) else "")
    if origin != exact:
        return f"must be written as browsers send it: {exact}"
    if parts.scheme == "http" and not _loopback(host):
        return "must use https (http only for localhost or a loopback address)"
    if host != rp_id and not (host.endswith("." + rp_id) and "." in rp_id):
        return f"is not on WEBAUTHN_RP_ID {rp_id!r} (its host must be it or end with .{rp_id})"
    return None


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _positive_number(value) -> bool:
    try:
        return not isinstance(value, bool) and float(value) > 0
    except (TypeError, ValueError):
        return False


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
    if not isinstance(keys, list):
        return ["ENCRYPTION_KEYS must be a JSON list of keys made by flask gen-key"]
    if len(keys) == 1 and isinstance(keys[0], str) and keys[0].lstrip().startswith("["):
        return [NOT_A_RING]  # a list whose quotes a shell took away: [K2,K1]
    return [
        f"ENCRYPTION_KEYS[{n}] is not a key made by flask gen-key"
        for n, key in enumerate(keys)
        if not is_fernet_key(key)
    ] + _bad_older_key(config)


NOT_A_RING = (
    "ENCRYPTION_KEYS is neither a JSON list nor one key: write it as "
    '["<newest key>", "<older key>"] with the quotes (a shell\'s `set -a; . env` drops them)'
)


def is_fernet_key(key) -> bool:
    """True for a key as flask gen-key makes them: urlsafe base64 of exactly 32 bytes, written
    the one way it encodes. (Fernet itself skips stray characters and what follows padding,
    so it would take `[K2,K1]` for K2 alone.)"""
    if not isinstance(key, str | bytes):
        return False
    text = key.encode() if isinstance(key, str) else key
    try:
        raw = base64.b64decode(text, altchars=b"-_", validate=True)
    except (ValueError, binascii.Error):
        return False
    return len(raw) == 32 and base64.urlsafe_b64encode(raw) == text


def _bad_older_key(config: dict) -> list[str]:
    found = []
    older = config.get("ENCRYPTION_KEY")
    if older is not None and not isinstance(older, str):
        found.append("ENCRYPTION_KEY must be a string")
    return found


def _unsafe(config: dict) -> list[str]:
    found = []
    secret = config.get("SECRET_KEY")
    if secret is not None and not isinstance(secret, str):
        found.append("SECRET_KEY must be a string")
    elif not secret or not secret.strip():
        found.append(f"SECRET_KEY is not set (make one with: {MAKE_SECRET})")
    else:
        weakness = _weak_secret(secret, EXAMPLE_SECRET_KEYS) or _not_generated(secret)
        if weakness:
            found.append(f"SECRET_KEY {weakness}; make one with: {MAKE_SECRET}")
    older = config.get("ENCRYPTION_KEY")
    if isinstance(older, str) and older:
        # Beside ENCRYPTION_KEYS the older key only reads what it wrote (until rotate-keys
        # moves it): only a key that writes must look generated.
        weakness = _weak_secret(older, EXAMPLE_ENCRYPTION_KEYS)
        if not weakness and not config.get("ENCRYPTION_KEYS"):
            weakness = _not_generated(older)
        if weakness:
            found.append(f"ENCRYPTION_KEY {weakness}; better: ENCRYPTION_KEYS from flask gen-key")
    if not config.get("MAIL_SERVER"):
        found.append(
            "MAIL_SERVER is not set: every one-time code would be written to the log "
            "(development only)"
        )
    if not has_encryption_key(config) and config.get("ALLOW_PLAINTEXT_SECRETS") is not True:
        found.append(
            "no ENCRYPTION_KEYS: TOTP secrets would be stored in plain text (make a key with "
            "flask gen-key; ALLOW_PLAINTEXT_SECRETS=true only while a PHP mfa-php reads them)"
        )
    return found


def _weak_secret(secret: str, examples: set[str]) -> str | None:
    """Why secret is no secret (an example's, too short, too repetitive), or None."""
    if secret.strip() in examples:
        return "is the example's"
    if len(secret.strip().encode()) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def _not_generated(secret: str) -> str | None:
    """Why secret does not look made by a key generator, or None.

    A passphrase of 33 characters fell to an offline guess from one token in 1,819 tries:
    length and variety of characters say nothing of how it was chosen. A character-statistics
    estimate cannot tell 43 random characters from a passphrase without refusing some random
    keys too, so the rule is the generators' own output: at least 32 bytes written as hex
    (letters and digits, one case) or base64 / base64url (both cases of letter), which
    `secrets.token_urlsafe`, `secrets.token_hex`, `openssl rand -base64 32` and `flask gen-key`
    print. A random key breaks it with odds below 1e-9. Phrases that have that shape all the
    same (CamelCase words, a word repeated) are refused for their words and repeats
    (randomness.chosen).
    """
    text = secret.strip()
    if _HEX.fullmatch(text):
        mixed = re.search(r"[0-9]", text) and re.search(r"[a-fA-F]", text)
        enough = len(text) // 2 >= MIN_SECRET_BYTES
    elif _BASE64.fullmatch(text):
        mixed = re.search(r"[a-z]", text) and re.search(r"[A-Z]", text)
        enough = len(text.rstrip("=")) * 6 // 8 >= MIN_SECRET_BYTES
    else:
        mixed = enough = False
    give_away = randomness.chosen(text) if mixed and enough else None
    if mixed and enough and give_away is None:
        return None
    if give_away is not None:
        return (
            f"is not a random key: it {give_away}, so it is guessed offline from one token; it "
            f"must be {MIN_SECRET_BYTES} random bytes or more, as hex or base64"
        )
    return (
        f"is not a random key (a passphrase is guessed offline from one token): it must be "
        f"{MIN_SECRET_BYTES} random bytes or more, as hex or base64"
    )


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
    plaintext = config.get("ALLOW_PLAINTEXT_SECRETS") is True
    if not development and plaintext and has_encryption_key(config):
        found.append("ALLOW_PLAINTEXT_SECRETS is set but unused: an encryption key is set")
    elif not development and plaintext:
        found.append("TOTP secrets are stored in plain text (ALLOW_PLAINTEXT_SECRETS)")
    if not development and config.get("RATELIMIT_ENABLED") is False:
        found.append("rate limits are off (RATELIMIT_ENABLED=false)")
    if not development and config.get("WEBHOOKS_ALLOW_PRIVATE") is True:
        found.append(
            "WEBHOOKS_ALLOW_PRIVATE: webhooks may be sent to loopback, private and link-local "
            "addresses, so whoever adds an endpoint can reach internal services"
        )
    if config.get("METRICS_ENABLED") is True and not multiprocess_mode():
        found.append(
            "METRICS_ENABLED without PROMETHEUS_MULTIPROC_DIR: with several worker processes, "
            "/metrics shows the counts of the one that answers (deploy/gunicorn.conf.py sets it)"
        )
    return found


def reachability(app: Flask) -> list[Problem]:
    """Whether the database (and its schema) and Redis answer, as problems."""
    from .db import connect  # a built app's settings are sound by now

    made = state_of(app)

    def open_db():  # a missing SQLite file is reported, not created
        return closing(connect(made.values.database_url, create=False))

    skew = made.values.clock_skew_max_seconds
    found = unready_parts(open_db, made.redis, time.time, skew)
    return [Problem(hide_secrets(part.detail, app.config), True) for part in found]


@click.command("check-config")
@click.option("--settings", "show", is_flag=True, help="Also print every setting (secrets hidden).")
@with_appcontext
def check_config_command(show: bool) -> None:
    """Print every problem with the configuration, then whether the database and Redis answer;
    exit 1 if one would stop the service."""
    if show:
        for line in settings_lines(current_app.config):
            click.echo(line)
    found = list(state().config_problems)
    if not any(p.fatal for p in found):
        found += reachability(current_app)
    for problem in found:
        click.echo(f"{'error' if problem.fatal else 'warning'}: {problem.message}")
    if not found:
        click.echo("The configuration is fine.")
    if any(p.fatal for p in found):
        sys.exit(1)


def init_config_check(app: Flask, found: list[Problem]) -> None:
    """Keep the problems found at start-up for `flask check-config`, and add the command."""
    fill(app, config_problems=tuple(found))
    app.cli.add_command(check_config_command)
