"""Every setting described once: its name, default, kind and bounds, whether it is a secret,
and its documentation. The defaults, config_check's generic checks, config.example.py and the
settings tables of docs/api.md are made from this table (`make settings-docs` writes the two
files; a test fails when either drifts). Adding a setting is one entry here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .security.passwords import SCHEMES

# What a value must be (config_check checks each kind the same way). Upper bounds: beyond them a
# setting is a mistake (and 1e20 seconds overflows a column).
TEXT = "text"  # a string; its MFA_ variable is taken as given when plain
WHOLE = "whole"  # a whole number (an int, or a string of digits), within low and high
SECONDS = "seconds"  # a number of seconds above 0 and at most high
SWITCH = "switch"  # true or false; also None (unset) when that is the default
LIMIT = "limit"  # a flask-limiter limit such as "10 per 5 minutes"
ANY = "any"  # a shape config_check's own code checks (lists, URLs, keys)


class _Library:
    """The default of a setting a library reads with its own default (flask-mail's MAIL_PORT)."""

    def __repr__(self) -> str:
        return "LIBRARY"


LIBRARY = _Library()


@dataclass(frozen=True)
class Section:
    """One table of docs/api.md's Settings, under `### title`; limits: it has that column."""

    title: str
    limits: bool = True


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One setting: what it is, how it is checked, and what the docs and config.example.py say."""

    name: str
    section: Section
    doc: str | None  # the docs' meaning column; None: named in the row of the setting above
    default: Any = None  # LIBRARY: a library's own, not in DEFAULTS
    kind: str = ANY
    low: int | None = None  # WHOLE: 1 means "must be positive"
    high: int | float | None = None  # WHOLE: "must be at most"; SECONDS: the longest
    bounds_message: str | None = None  # out of low..high, instead of "positive" / "at most"
    choices: tuple[str, ...] = ()
    secret: bool = False  # a key, a password, or a URL that may hold one
    plain: bool = False  # its MFA_ variable is taken as given, not parsed as JSON
    shown_default: str | None = None  # the docs' default column, where not the default itself
    shown_limits: str | None = None  # the docs' limits column, where not made from the bounds
    # Its lines in config.example.py: {default} stands for the default, a first empty line
    # starts a paragraph; None: not in the example.
    example: str | None = None


SECRETS = Section("Secrets and storage")
FACES = Section("The faces")
CODES = Section("Codes, passwords and tokens")
RATES = Section("Rate limits", limits=False)
DEFENCE = Section("Account defence")
DEADLINES = Section("Deadlines")
MAIL = Section("Mail and SMS", limits=False)
OPERATIONS = Section("Operations")
WEBHOOKS = Section("Webhooks")
SECTIONS = (SECRETS, FACES, CODES, RATES, DEFENCE, DEADLINES, MAIL, OPERATIONS, WEBHOOKS)

SETTINGS = (
    Setting(
        name="SECRET_KEY",
        kind=TEXT,
        plain=True,
        secret=True,
        section=SECRETS,
        shown_default="unset (development: random per process)",
        shown_limits=(
            "required outside development: a generated key, 32 random bytes or more as hex or"
            " base64"
        ),
        doc=(
            "signs tokens and keys the short code hashes; separate keys are derived from it for"
            " each use. The same on every worker and host. Changing it ends every session and"
            " every code already sent, nothing else ([keys.md](keys.md))"
        ),
        example=(
            "\n"
            "# Signs tokens and keys the stored code hashes; the same on every worker and host."
            " It must be a\n"
            "# generated key (32 random bytes or more, as hex or base64): a passphrase is"
            " refused. Make one\n"
            '# with:  python -c "import secrets; print(secrets.token_urlsafe(48))"\n'
            "# Changing it ends every session and every code already sent, nothing else"
            " (docs/keys.md).\n"
            '# SECRET_KEY = "<the output of that command>"\n'
        ),
    ),
    Setting(
        name="ENCRYPTION_KEYS",
        secret=True,
        section=SECRETS,
        shown_limits=(
            "a JSON list of keys made by `flask gen-key` (one key as a plain string is a list of"
            " one); each exactly as gen-key writes it (urlsafe base64 of 32 bytes). A list whose"
            " quotes a shell dropped (`[K2,K1]`, from `set -a; . env`) is refused: Fernet would"
            " read it as K2 alone"
        ),
        doc=(
            "encrypts TOTP secrets at rest: written with the first (newest), read with any."
            " Required outside development unless `ALLOW_PLAINTEXT_SECRETS`"
        ),
        example=(
            "\n"
            "# Encrypts TOTP secrets at rest: a key ring, newest first. Make a key with\n"
            "# `flask --app wsgi gen-key`. To rotate: put a new key first, keep the old ones"
            " after it, run\n"
            "# `flask --app wsgi rotate-keys`, then drop the old ones. (The older ENCRYPTION_KEY,"
            " any string,\n"
            "# is still read as the oldest key of the ring; alone, it must be a generated key"
            " too.)\n"
            '# ENCRYPTION_KEYS = ["<the output of flask gen-key>"]\n'
        ),
    ),
    Setting(
        name="ENCRYPTION_KEY",
        kind=TEXT,
        plain=True,
        secret=True,
        section=SECRETS,
        shown_limits=(
            "a string (outside development: 32 bytes or more, 10 different characters; a"
            " generated key when it is the only one)"
        ),
        doc="the older single key, still read as the oldest key of the ring",
    ),
    Setting(
        name="ALLOW_PLAINTEXT_SECRETS",
        default=False,
        kind=SWITCH,
        section=SECRETS,
        doc=(
            "without a key, keep TOTP secrets in plain text on purpose (a PHP mfa-php reads the"
            " database)"
        ),
        example=(
            "# While a PHP mfa-php still reads this database it needs the TOTP secrets in plain"
            " text; say so\n"
            "# on purpose:\n"
            "# ALLOW_PLAINTEXT_SECRETS = True\n"
        ),
    ),
    Setting(
        name="DATABASE_URL",
        kind=TEXT,
        plain=True,
        secret=True,
        section=SECRETS,
        shown_default=(
            "`sqlite:///<checkout>/instance/mfa.sqlite3` from a source checkout (what `make run`"
            " uses); for an installed package (`pip install .`, `mfa_api.wsgi`),"
            " `instance/mfa.sqlite3` in the working directory, as its `config.py` is: never"
            " inside the virtualenv"
        ),
        shown_limits=(
            "starts with `sqlite:///`, `mysql://` or `mysql+pymysql://`; a MySQL URL names one"
            " host, and its options are `?unix_socket=/absolute/path`, or"
            " `?ssl_ca=/absolute/ca.pem` (a file) with optionally `&ssl_verify_identity=false`"
            " (anything else stops the start, one line naming the setting)"
        ),
        doc=(
            "the database: SQLite, or MySQL/MariaDB through PyMySQL over TCP"
            " (`mysql://user:pass@127.0.0.1:3306/db`, the server's user `'user'@'127.0.0.1'`) or"
            " the server's unix socket"
            " (`mysql://user:pass@localhost/db?unix_socket=/run/mysqld/mysqld.sock`,"
            " `'user'@'localhost'`), an mfa-php database included. Over the network, `?ssl_ca=`"
            " asks for **verified TLS**: required (a server without it is refused), its"
            " certificate checked against that CA and its name against the URL's host"
            " (`ssl_verify_identity=false` skips the name only, for a server reached by an"
            " address its certificate does not name). Without `ssl_ca`, TLS is used where the"
            " server offers it, unverified"
        ),
        example=(
            "\n"
            "# SQLite by default (instance/mfa.sqlite3). For MySQL/MariaDB, an mfa-php database"
            " included:\n"
            '# DATABASE_URL = "mysql://user:password@127.0.0.1:3306/otp"\n'
            "# or over the server's unix socket (the server's user is then 'user'@'localhost'):\n"
            "# DATABASE_URL ="
            ' "mysql://user:password@localhost/otp?unix_socket=/run/mysqld/mysqld.sock"\n'
        ),
    ),
    Setting(
        name="LEGACY_PREFIX",
        default="/mfa-php/api",
        kind=TEXT,
        plain=True,
        section=FACES,
        shown_limits="starts with `/`, does not end with one",
        doc="where the mfa-php face is mounted",
        example=(
            "\n"
            "# Where the mfa-php face is mounted (mfa-php's clients call {prefix}/register"
            " etc.).\n"
            "LEGACY_PREFIX = {default}\n"
        ),
    ),
    Setting(
        name="CORS_ORIGINS",
        default="*",
        section=FACES,
        shown_limits='`"*"`, origins separated by commas, or a list',
        doc="allowed origins",
        example=(
            "\n"
            '# Allowed CORS origins: "*" (as mfa-php sent) or a list such as'
            ' ["https://app.example"].\n'
            "CORS_ORIGINS = {default}\n"
        ),
    ),
    Setting(
        name="TOTP_ISSUER",
        default="MFA API",
        kind=TEXT,
        plain=True,
        section=CODES,
        doc="the issuer in otpauth URIs",
        example=(
            "\n# The issuer shown in authenticator apps (otpauth URIs).\nTOTP_ISSUER = {default}\n"
        ),
    ),
    Setting(
        name="OTP_TTL_SECONDS",
        default=300,
        kind=WHOLE,
        low=1,
        high=86400,
        section=CODES,
        doc="lifetime of mailed and texted codes (sign-up, login, resend, phone)",
        example=(
            "\n"
            "# Emailed one-time codes: lifetime in seconds, and failed tries before a code dies.\n"
            "OTP_TTL_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="MAX_FAILED_ATTEMPTS",
        default=5,
        kind=WHOLE,
        low=1,
        high=100,
        section=CODES,
        doc="wrong tries before a code or a challenge dies",
        example="MAX_FAILED_ATTEMPTS = {default}\n",
    ),
    Setting(
        name="PASSWORD_HASH",
        default="argon2id",
        kind=TEXT,
        choices=SCHEMES,
        plain=True,
        section=CODES,
        doc=(
            "the scheme of new password hashes; a hash of another scheme or cost is re-hashed at"
            " its next login. `bcrypt` while a PHP without Argon2 reads the same database"
        ),
        example=(
            "\n"
            "# New password hashes: Argon2id at OWASP's parameters; other hashes (mfa-php's"
            " bcrypt $2y$10$)\n"
            '# are re-hashed at login. "bcrypt" (at BCRYPT_ROUNDS) while a PHP without Argon2'
            " reads them.\n"
            "PASSWORD_HASH = {default}\n"
        ),
    ),
    Setting(
        name="ARGON2_TIME_COST",
        default=2,
        kind=WHOLE,
        low=1,
        high=20,
        section=CODES,
        doc="Argon2id passes",
        example="ARGON2_TIME_COST = {default}\n",
    ),
    Setting(
        name="ARGON2_MEMORY_KIB",
        default=19456,
        kind=WHOLE,
        low=1,
        high=1048576,
        section=CODES,
        shown_default="`19456` (19 MiB)",
        shown_limits="8 × `ARGON2_PARALLELISM` to 1048576",
        doc="Argon2id memory, in KiB",
        example="ARGON2_MEMORY_KIB = {default}\n",
    ),
    Setting(
        name="ARGON2_PARALLELISM",
        default=1,
        kind=WHOLE,
        low=1,
        high=16,
        section=CODES,
        doc="Argon2id lanes",
        example="ARGON2_PARALLELISM = {default}\n",
    ),
    Setting(
        name="PASSWORD_HASH_CONCURRENCY",
        default=1,
        kind=WHOLE,
        low=1,
        high=256,
        section=CODES,
        doc=(
            "password hashes or checks one process runs at once; the others wait without using"
            " CPU while the process's other threads answer. 1 suits gunicorn's several workers (2"
            " per core); raise it for a single process on many cores"
        ),
        example=(
            "# Password hashes one process computes at once (the others wait without CPU): 1"
            " under gunicorn's\n"
            "# several workers; more for a single process on many cores.\n"
            "PASSWORD_HASH_CONCURRENCY = {default}\n"
        ),
    ),
    Setting(
        name="ARGON2_KEEP_MEMORY",
        default=True,
        kind=SWITCH,
        section=CODES,
        doc=(
            "each process keeps the memory of its Argon2id hashes (one block of"
            " `ARGON2_MEMORY_KIB` per hash it runs at once) mapped between them, ready for the"
            " next. `false` gives it back to the system after each hash: ~20 MB less a gunicorn"
            " worker at the defaults, for some CPU more a hash (the block is faulted in again)"
        ),
    ),
    Setting(
        name="BCRYPT_ROUNDS",
        default=12,
        kind=WHOLE,
        low=4,
        high=31,
        bounds_message="must be between {low} and {high}",
        section=CODES,
        doc="bcrypt cost of new hashes with `PASSWORD_HASH=bcrypt`",
        example="BCRYPT_ROUNDS = {default}\n",
    ),
    Setting(
        name="LEGACY_BCRYPT_COST",
        default=10,
        section=CODES,
        shown_limits="4 to 31, or null",
        doc=(
            "the bcrypt cost of the hashes an upgraded mfa-php database holds (PHP's default):"
            " every wrong password takes at least as long as a check at it, so that legacy"
            " accounts do not stand out. `null` on an install that never held any"
        ),
        example=(
            "# The bcrypt cost of hashes an upgraded mfa-php database holds: wrong passwords all"
            " take at\n"
            "# least as long as a check at it (None on an install that never held any).\n"
            "LEGACY_BCRYPT_COST = {default}\n"
        ),
    ),
    Setting(
        name="JWT_TTL_SECONDS",
        default=3600,
        kind=WHOLE,
        low=1,
        high=2592000,
        section=CODES,
        shown_limits="1 to 2592000 (30 days)",
        doc="access token lifetime",
        example="\n# Access token lifetime in seconds.\nJWT_TTL_SECONDS = {default}\n",
    ),
    Setting(
        name="JWT_LEEWAY_SECONDS",
        default=5,
        kind=WHOLE,
        low=0,
        high=60,  # beyond a minute it is no longer skew between clocks kept by NTP
        bounds_message="must be between {low} and {high}",
        section=CODES,
        doc=(
            "seconds an access or challenge token is still taken after its `exp`: room for app"
            " hosts' clocks a little apart (a logged-out token stays refused through it)"
        ),
        example=(
            "# Seconds a token (access or challenge) is still taken after its expiry, 0 to 60:"
            " room for app\n"
            "# hosts whose clocks are a little apart (keep them in step with NTP all the same).\n"
            "JWT_LEEWAY_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="CLOCK_SKEW_MAX_SECONDS",
        default=10,
        kind=WHOLE,
        low=0,
        high=3600,
        bounds_message="must be between {low} (no check) and {high}",
        section=CODES,
        shown_limits="0 (no check) to 3600",
        doc=(
            "`/readyz` answers `503` naming `clock` (and `check-config` fails) while this host's"
            " clock is off the database server's by more: every host decides token expiry, TOTP"
            " steps and back-off by its own clock. Keep NTP on every host, the database's too: a"
            " database whose clock is wrong makes every host unready"
        ),
        example=(
            "# /readyz fails (and check-config says so) while this host's clock is off the"
            " database's by\n"
            "# more than this: hosts decide expiry, TOTP steps and back-off by their own clocks."
            " 0: no check.\n"
            "CLOCK_SKEW_MAX_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="MAIL_SERVER",
        kind=TEXT,
        plain=True,
        section=MAIL,
        doc=(
            "the SMTP server; required outside development (unset in development: mail, codes"
            " included, goes to the log)"
        ),
        example=(
            "\n"
            "# Mail over SMTP. Required outside development; unset in development, mail (one-time"
            " codes\n"
            "# included) is written to the log.\n"
            '# MAIL_SERVER = "smtp.example.com"\n'
        ),
    ),
    Setting(
        name="MAIL_PORT",
        default=LIBRARY,
        section=MAIL,
        shown_default="`465` with `MAIL_USE_SSL`, else `25`",
        doc="",
        example="# MAIL_PORT = 587\n",
    ),
    Setting(
        name="MAIL_USE_TLS",
        default=False,
        kind=SWITCH,
        section=MAIL,
        shown_limits="",
        doc="STARTTLS",
        example="# MAIL_USE_TLS = True\n",
    ),
    Setting(
        name="MAIL_USE_SSL",
        default=False,
        kind=SWITCH,
        section=MAIL,
        shown_limits="",
        doc="SMTP over TLS",
        example="# MAIL_USE_SSL = False\n",
    ),
    Setting(
        name="MAIL_USERNAME",
        default=LIBRARY,
        kind=TEXT,
        plain=True,
        section=MAIL,
        doc="SMTP login, when `MAIL_USERNAME` is set",
        example='# MAIL_USERNAME = "mfa@example.com"\n',
    ),
    Setting(
        name="MAIL_PASSWORD",
        default=LIBRARY,
        kind=TEXT,
        plain=True,
        secret=True,
        section=MAIL,
        doc=None,
        example='# MAIL_PASSWORD = "app-password"\n',
    ),
    Setting(
        name="MAIL_DEFAULT_SENDER",
        default="MFA API <no-reply@localhost>",
        kind=TEXT,
        plain=True,
        section=MAIL,
        doc="the `From` (must not be empty when `MAIL_SERVER` is set)",
        example='MAIL_DEFAULT_SENDER = "MFA API <no-reply@example.com>"\n',
    ),
    Setting(
        name="REDIS_URL",
        kind=TEXT,
        plain=True,
        secret=True,
        section=SECRETS,
        shown_limits=(
            "`redis://`, `rediss://`, `unix://`, or Sentinel:"
            " `redis+sentinel://[:password@]host:26379,host:26379,…/service[/db]`"
            " (flask-limiter's own form; the password is also the sentinels')"
        ),
        doc=(
            "pending 2FA setups, phones being verified and the development outbox (else the"
            " `ephemeral` table), and rate-limit counts (passkey ceremony challenges always live"
            " in the database: no failover may bring one back). Through Sentinel both the service"
            " and the rate limiter write to and read from the primary only and follow it after a"
            " failover ([operations](operations.md#redis-sentinel))"
        ),
        example=(
            "\n"
            "# Redis: rate-limit counts shared by every worker, pending 2FA setups and phones"
            " being checked.\n"
            "# Without it these live in the database (and rate limits in each worker's memory)."
            " Nothing\n"
            "# security-relevant is kept there: losing it only means starting a setup again.\n"
            '# REDIS_URL = "redis://127.0.0.1:6379/0"\n'
            '# Or its primary through Sentinel (docs/operations.md, "Redis Sentinel"):\n'
            "# REDIS_URL ="
            ' "redis+sentinel://10.0.0.11:26379,10.0.0.12:26379,10.0.0.13:26379/mymaster/0"\n'
        ),
    ),
    Setting(
        name="REDIS_PREFIX",
        default="mfa:",
        kind=TEXT,
        plain=True,
        section=SECRETS,
        doc="prefix of every Redis key (several installs can share one Redis)",
        example='# REDIS_PREFIX = "mfa:"\n',
    ),
    Setting(
        name="RATELIMIT_ENABLED",
        default=True,
        kind=SWITCH,
        section=RATES,
        shown_limits="",
        doc="the switch",
        example=(
            "\n"
            "# Rate limits (flask-limiter notation). Behind a reverse proxy, trust this many hops"
            " of\n"
            "# X-Forwarded-For for the client IP.\n"
            "RATELIMIT_ENABLED = {default}\n"
        ),
    ),
    Setting(
        name="RATELIMIT_STORAGE_URI",
        secret=True,
        section=RATES,
        shown_default="`REDIS_URL` when set, else `memory://`",
        doc=(
            "flask-limiter storage (a scheme it knows). A `redis:`, `rediss:` or"
            " `redis+sentinel:` one gets `REDIS_TIMEOUT_SECONDS`; through Sentinel, the primary"
            " only, as `REDIS_URL`"
        ),
    ),
    Setting(
        name="RATELIMIT_REGISTER",
        default="5 per 15 minutes",
        kind=LIMIT,
        section=RATES,
        doc="see Rate limits and account defence",
        example="RATELIMIT_REGISTER = {default}\n",
    ),
    Setting(
        name="RATELIMIT_LOGIN",
        default="10 per 5 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example="RATELIMIT_LOGIN = {default}\n",
    ),
    Setting(
        name="RATELIMIT_VERIFY",
        default="10 per 5 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example="RATELIMIT_VERIFY = {default}\n",
    ),
    Setting(
        name="RATELIMIT_2FA_GENERATE",
        default="5 per 15 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example="RATELIMIT_2FA_GENERATE = {default}\n",
    ),
    Setting(
        name="RATELIMIT_2FA_VERIFY",
        default="10 per 5 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example="RATELIMIT_2FA_VERIFY = {default}\n",
    ),
    Setting(
        name="RATELIMIT_2FA_RECOVER",
        default="5 per 15 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example="RATELIMIT_2FA_RECOVER = {default}\n",
    ),
    Setting(
        name="RATELIMIT_2FA_RESEND",
        default="3 per 15 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example="RATELIMIT_2FA_RESEND = {default}\n",
    ),
    Setting(
        name="RATELIMIT_2FA_PHONE",
        default="3 per 15 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example=(
            "RATELIMIT_2FA_PHONE = {default}  # codes texted to a phone being verified, per user\n"
        ),
    ),
    Setting(
        name="RATELIMIT_STEP_UP",
        default="10 per 15 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example=(
            "RATELIMIT_STEP_UP = {default}  # one budget per user and client for every re-check\n"
        ),
    ),
    Setting(
        name="RATELIMIT_UNLOCK",
        default="5 per 15 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example="RATELIMIT_UNLOCK = {default}  # POST /api/auth/unlock, per client IP\n",
    ),
    Setting(
        name="RATELIMIT_PASSKEY_LOGIN",
        default="20 per 5 minutes",
        kind=LIMIT,
        section=RATES,
        doc="signing in with a passkey alone: its options and its answer, each per client IP",
        example="RATELIMIT_PASSKEY_LOGIN = {default}  # /api/auth/passkey-login*, per client IP\n",
    ),
    Setting(
        name="RATELIMIT_PASSWORD_CHECKS",
        default="60 per 5 minutes",
        kind=LIMIT,
        section=RATES,
        doc="",
        example=(
            "RATELIMIT_PASSWORD_CHECKS = {default}  # passwords checked per client IP, any email\n"
        ),
    ),
    Setting(
        name="RATELIMIT_ADMIN",
        default="600 per minute",
        kind=LIMIT,
        section=RATES,
        doc="the admin API (`/api/admin`): one budget per key, shared by its every route",
        example="RATELIMIT_ADMIN = {default}  # the admin API (/api/admin), per key\n",
    ),
    Setting(
        name="RATELIMIT_HEADERS_ENABLED",
        default=True,
        section=RATES,
        doc="flask-limiter: send the `X-RateLimit-*` and `Retry-After` headers",
    ),
    # Redis down: count in each worker's memory meanwhile, rather than fail every login. A
    # request whose storage call fails while another thread is switching to that fallback is
    # let through (flask-limiter would otherwise raise: a 500).
    Setting(
        name="RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
        default=True,
        section=RATES,
        doc="flask-limiter: count in each worker's memory while Redis is down",
    ),
    Setting(
        name="RATELIMIT_SWALLOW_ERRORS",
        default=True,
        section=RATES,
        doc="flask-limiter: a storage error lets the request through rather than failing it",
    ),
    Setting(
        name="PROXY_COUNT",
        default=0,
        kind=WHOLE,
        section=FACES,
        shown_limits="whole number",
        doc="trusted reverse-proxy hops of `X-Forwarded-For` (and `X-Forwarded-Proto`)",
        example="PROXY_COUNT = {default}\n",
    ),
    Setting(
        name="BACKOFF_AFTER",
        default=5,
        kind=WHOLE,
        low=1,
        high=100,
        section=DEFENCE,
        doc="consecutive failures before attempts must wait",
        example=(
            "\n"
            "# Account defence: consecutive failures per account, reset only by a success or an"
            " admin.\n"
            "# After BACKOFF_AFTER failures (of a second factor, or of a password from one"
            " client) each\n"
            "# further attempt must wait BACKOFF_BASE_SECONDS, doubling up to"
            " BACKOFF_MAX_SECONDS; earlier\n"
            "# attempts are refused with 429 and Retry-After without being checked. Wrong"
            " passwords from all\n"
            "# clients together mail the owner at ACCOUNT_BACKOFF_AFTER (nobody else waits);"
            " codes guessed by\n"
            "# clients that did not ask for them back off after it; an email's wrong sign-up"
            " codes stop\n"
            "# being checked at it until the owner uses the mailed token. LOCK_AFTER consecutive"
            " wrong\n"
            "# second factors (at most 100) lock them until the user unlocks with the mailed"
            " token, or an\n"
            "# admin runs `flask users unlock EMAIL`. UNLOCK_URL, if set, is the link in the lock"
            " notice.\n"
            "BACKOFF_AFTER = {default}\n"
        ),
    ),
    Setting(
        name="BACKOFF_BASE_SECONDS",
        default=1,
        kind=WHOLE,
        low=1,
        high=86400,
        section=DEFENCE,
        doc="the first wait; it doubles with each further failure",
        example="BACKOFF_BASE_SECONDS = {default}\n",
    ),
    Setting(
        name="BACKOFF_MAX_SECONDS",
        default=900,
        kind=WHOLE,
        high=86400,
        section=DEFENCE,
        shown_limits="at most 86400, at least `BACKOFF_BASE_SECONDS`",
        doc="the longest wait",
        example="BACKOFF_MAX_SECONDS = {default}\n",
    ),
    Setting(
        name="ACCOUNT_BACKOFF_AFTER",
        default=20,
        kind=WHOLE,
        low=1,
        high=10000,
        section=DEFENCE,
        doc=(
            "wrong passwords for an account from all clients (each adds at most `BACKOFF_AFTER`)"
            " at which its owner is mailed; codes guessed by clients that did not ask for them"
            " before they back off; wrong sign-up codes for an email before they stop being"
            " checked"
        ),
        example="ACCOUNT_BACKOFF_AFTER = {default}\n",
    ),
    Setting(
        name="LOCK_AFTER",
        default=100,
        kind=WHOLE,
        low=1,
        high=100,  # NIST SP 800-63B 5.2.2: at most 100 consecutive failed attempts
        bounds_message="must be between {low} and {high}",
        section=DEFENCE,
        doc="consecutive wrong second factors that lock them (`423`) until unlocked",
        example="LOCK_AFTER = {default}\n",
    ),
    Setting(
        name="KNOWN_CLIENT_DAYS",
        default=30,
        kind=WHOLE,
        low=1,
        high=3650,
        section=DEFENCE,
        doc=(
            "a client that logged in to an account this recently adds nothing to its account-wide"
            " count of wrong passwords"
        ),
        example=(
            "# A client that logged in to an account this recently adds nothing to its count of"
            " wrong passwords.\n"
            "KNOWN_CLIENT_DAYS = {default}\n"
        ),
    ),
    Setting(
        name="REMEMBER_DEVICE_DAYS",
        default=30,
        kind=WHOLE,
        low=1,
        high=365,
        section=CODES,
        doc='how long a device remembered after a second step (`"remember": true`) skips it',
        example=(
            '# A device remembered after a second step ("remember": true) skips it for this'
            " long.\n"
            "REMEMBER_DEVICE_DAYS = {default}\n"
        ),
    ),
    Setting(
        name="WEBAUTHN_RP_ID",
        default="localhost",
        kind=TEXT,
        plain=True,
        section=CODES,
        shown_limits="a domain, lower case",
        doc=(
            "the passkeys' relying party: the domain of the site the ceremonies run on (its"
            " origins must be that domain or under it). Passkeys are bound to it: changing it"
            " orphans them"
        ),
        example=(
            "\n"
            "# Passkeys (WebAuthn): the site's domain (the relying party), the name"
            " authenticators show\n"
            "# (None: TOTP_ISSUER), and the origins of the pages that run the ceremonies.\n"
            '# WEBAUTHN_RP_ID = "example.com"\n'
        ),
    ),
    Setting(
        name="WEBAUTHN_RP_NAME",
        kind=TEXT,
        plain=True,
        section=CODES,
        shown_default="`null` (`TOTP_ISSUER`)",
        doc="the name authenticators show",
        example='# WEBAUTHN_RP_NAME = "Example"\n',
    ),
    Setting(
        name="WEBAUTHN_ORIGINS",
        kind=TEXT,
        plain=True,
        section=CODES,
        shown_default=(
            "`http://localhost:<port>`: the port `flask run` listens on (`FLASK_RUN_PORT`, which"
            " `make run` sets from `PORT`), else 5000"
        ),
        shown_limits=(
            "origins separated by commas, or a list (in `MFA_WEBAUTHN_ORIGINS` a JSON list too:"
            ' `\'["https://example.com","https://login.example.com"]\'`). Each exactly as browsers'
            " send it: `scheme://host[:port]`, no path, query or fragment, lower case, no default"
            " port; `https`, or `http` for localhost or a loopback address; its host"
            " `WEBAUTHN_RP_ID` or under it. Anything else stops the start, one line naming the"
            " setting"
        ),
        doc=(
            "the pages passkey ceremonies may come from (scheme, host and port, e.g."
            " `https://example.com`). A ceremony from another origin is refused; the log says"
            " which origin it came from, and in development (`FLASK_DEBUG=1`) the answer says so"
            " too"
        ),
        example='# WEBAUTHN_ORIGINS = ["https://example.com", "https://app.example.com"]\n',
    ),
    Setting(
        name="UNLOCK_URL",
        kind=TEXT,
        plain=True,
        section=DEFENCE,
        shown_limits="must contain `{token}`",
        doc="the link mailed with a lock (else the notice says how to call `/unlock`)",
        example='# UNLOCK_URL = "https://app.example/unlock?token={token}"\n',
    ),
    Setting(
        name="EVENTS_RETENTION_DAYS",
        default=90,
        kind=WHOLE,
        low=1,
        high=3650,
        section=DEFENCE,
        doc=(
            "how long the audit trail keeps an event (idle failure counters are forgotten after"
            " it too; locks never); `flask sweep` removes what is older"
        ),
        example=(
            "\n"
            "# How long the audit trail (GET /api/auth/events, `flask users events`) keeps an"
            " event.\n"
            "EVENTS_RETENTION_DAYS = {default}\n"
        ),
    ),
    Setting(
        name="ADMIN_EVENTS_LAG_SECONDS",
        default=30,
        kind=WHOLE,
        low=0,
        high=3600,
        bounds_message="must be between {low} and {high}",
        section=DEFENCE,
        doc=(
            "`GET /api/admin/events` leaves out events younger than this: an event carries the"
            " time its request started and commits up to a request's life later (gunicorn's 30 s"
            " timeout), so a feed that went up to now could skip it"
        ),
        example=(
            "# GET /api/admin/events leaves out events younger than this (an event is stamped"
            " when its\n"
            "# request starts and commits later: a feed up to now could skip it).\n"
            "ADMIN_EVENTS_LAG_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="DB_CONNECT_TIMEOUT_SECONDS",
        default=2,
        kind=SECONDS,
        high=25,
        section=DEADLINES,
        doc="MySQL: to connect",
        example=(
            "\n"
            "# Deadlines (seconds) for each call to a dependency, all below gunicorn's 30 s"
            " timeout; a\n"
            "# dependency that failed is skipped (503 at once) for BREAKER_SECONDS, then tried"
            " again.\n"
            "DB_CONNECT_TIMEOUT_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="DB_TIMEOUT_SECONDS",
        default=5,
        kind=SECONDS,
        high=25,
        section=DEADLINES,
        doc="MySQL: to read or write (a query, the ping before reusing a connection)",
        example="DB_TIMEOUT_SECONDS = {default}\n",
    ),
    Setting(
        name="REDIS_TIMEOUT_SECONDS",
        default=0.5,
        kind=SECONDS,
        high=25,
        section=DEADLINES,
        doc="every Redis call (the service's and the rate limiter's)",
        example="REDIS_TIMEOUT_SECONDS = {default}\n",
    ),
    Setting(
        name="MAIL_TIMEOUT_SECONDS",
        default=5,
        kind=SECONDS,
        high=25,
        section=DEADLINES,
        doc="SMTP: connecting and each command",
        example="MAIL_TIMEOUT_SECONDS = {default}\n",
    ),
    Setting(
        name="SMS_TIMEOUT_SECONDS",
        default=5,
        kind=SECONDS,
        high=25,
        section=DEADLINES,
        doc="the SMS gateway",
        example="SMS_TIMEOUT_SECONDS = {default}\n",
    ),
    Setting(
        name="BREAKER_SECONDS",
        default=5,
        kind=SECONDS,
        high=3600,
        section=DEADLINES,
        doc="how long a dependency that failed is skipped (`503` at once) before it is tried again",
        example="BREAKER_SECONDS = {default}\n",
    ),
    Setting(
        name="WEBHOOKS_TIMEOUT_SECONDS",
        default=10,
        kind=SECONDS,
        high=25,  # not under gunicorn, but a sender's lease outlasts it
        section=WEBHOOKS,
        doc=(
            "one webhook post, the whole exchange (connect, send, the answer's status); past it"
            " the attempt failed and is retried"
        ),
        example=(
            "\n"
            "# Webhooks (`flask webhooks`, docs/webhooks.md): one post's deadline in seconds (the"
            " whole\n"
            "# exchange); whether receivers at loopback, private or link-local addresses are"
            " allowed (off:\n"
            "# an endpoint could reach internal services); how long settled deliveries are kept.\n"
            "WEBHOOKS_TIMEOUT_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="WEBHOOKS_ALLOW_PRIVATE",
        default=False,
        kind=SWITCH,
        section=WEBHOOKS,
        doc=(
            "let webhooks go to loopback, private, link-local and other non-public addresses"
            " (server-side request forgery; a development or closed network's setting, warned"
            " about in production)"
        ),
        example="WEBHOOKS_ALLOW_PRIVATE = {default}\n",
    ),
    Setting(
        name="WEBHOOKS_RETENTION_DAYS",
        default=30,
        kind=WHOLE,
        low=1,
        high=3650,
        section=WEBHOOKS,
        doc=(
            "how long delivered and failed webhook deliveries are kept (`flask webhooks list`"
            " counts them); `flask sweep` removes what is older"
        ),
        example="WEBHOOKS_RETENTION_DAYS = {default}\n",
    ),
    Setting(
        name="CHALLENGE_TTL_SECONDS",
        default=300,
        kind=WHOLE,
        low=1,
        high=86400,
        section=CODES,
        doc="challenge token lifetime",
        example=(
            "\n"
            "# Lifetimes of the login challenge and of a pending 2FA setup, in seconds.\n"
            "CHALLENGE_TTL_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="SETUP_TTL_SECONDS",
        default=900,
        kind=WHOLE,
        low=1,
        high=86400,
        section=CODES,
        doc="pending 2FA setup lifetime",
        example="SETUP_TTL_SECONDS = {default}\n",
    ),
    Setting(
        name="SMS_GATEWAY_URL",
        kind=TEXT,
        plain=True,
        secret=True,  # may carry basic-auth credentials (https://user:pass@...)
        section=MAIL,
        doc="a Twilio-compatible gateway; SMS works only when all four are set",
        example=(
            "\n"
            "# SMS for /api/auth/2fa/phone and /2fa/resend-otp, through a Twilio-compatible REST"
            " gateway.\n"
            '# SMS_GATEWAY_URL = "https://api.twilio.com"\n'
        ),
    ),
    Setting(
        name="SMS_ACCOUNT_SID",
        kind=TEXT,
        plain=True,
        section=MAIL,
        doc=None,
        example='# SMS_ACCOUNT_SID = "AC..."\n',
    ),
    Setting(
        name="SMS_AUTH_TOKEN",
        kind=TEXT,
        plain=True,
        secret=True,
        section=MAIL,
        doc=None,
        example='# SMS_AUTH_TOKEN = "..."\n',
    ),
    Setting(
        name="SMS_FROM",
        kind=TEXT,
        plain=True,
        section=MAIL,
        doc=None,
        example='# SMS_FROM = "+15550001234"\n',
    ),
    Setting(
        name="REJECT_COMMON_PASSWORDS",
        default=True,
        kind=SWITCH,
        section=CODES,
        doc=(
            "refuse new passwords on the shipped list of common ones (30,000, from zxcvbn),"
            " however typed, one character repeated, and a listed word (4 letters or more),"
            " season or month dressed up with leetspeak and digits or symbols around it"
            " (`Passw0rd!`, `Summer2024!`, `Welcome1!`). Blank passwords are refused always"
        ),
        example=(
            "\n"
            "# New passwords that are common or breached (a list shipped with the service) are"
            " refused;\n"
            "# turn it off only for old clients that must keep their choices. Whitespace-only is"
            " refused always.\n"
            "REJECT_COMMON_PASSWORDS = {default}\n"
        ),
    ),
    Setting(
        name="REJECT_SPECIAL_USE_DOMAINS",
        default=False,
        kind=SWITCH,
        section=CODES,
        doc=(
            "refuse new email addresses (`/register`) at a special-use or reserved name:"
            " `.local`, `.test`, `.localhost`, `.invalid`, `.onion`, `.arpa` (`400 Not a valid"
            " email address: The part after the @-sign is a special-use or reserved name that"
            " cannot be used with email.`). Off, they are taken, as mfa-php took them (intranet"
            " `corp.local`, test `example.test`). Addresses stored before log in either way"
        ),
        example=(
            "\n"
            "# New email addresses at special-use or reserved names (corp.local, example.test,"
            " .localhost,\n"
            "# .invalid, .onion, .arpa) are taken, as mfa-php took them; True refuses them at"
            " /register.\n"
            "REJECT_SPECIAL_USE_DOMAINS = {default}\n"
        ),
    ),
    Setting(
        name="HSTS_SECONDS",
        default=0,
        kind=WHOLE,
        high=63072000,
        section=FACES,
        shown_limits="0 to 63072000",
        doc=(
            "above 0: `Strict-Transport-Security: max-age=…; includeSubDomains` on every answer"
            " (only behind HTTPS)"
        ),
        example=(
            "\n"
            "# Behind HTTPS, tell browsers to use nothing else for this many seconds (0: no HSTS"
            " header).\n"
            "HSTS_SECONDS = {default}\n"
        ),
    ),
    Setting(
        name="MAX_CONTENT_LENGTH",
        default=65536,
        kind=WHOLE,
        high=10485760,
        section=FACES,
        shown_limits="at most 10485760",
        doc=(
            "Flask's body limit: a bigger body is a `413` that states it (`64 KiB at most`). A"
            " proxy in front should refuse at the same size (`deploy/` does)"
        ),
    ),
    Setting(
        name="DOCS_ENABLED",
        kind=SWITCH,
        section=FACES,
        shown_default="unset: on in development, off in production",
        doc="serve Swagger UI at `/docs` (`/openapi.json` is always served)",
        example=(
            "\n"
            "# Swagger UI at /docs: unset = on in development only; True serves it in production"
            " too.\n"
            "# (/openapi.json, the document it shows, is always served.)\n"
            "# DOCS_ENABLED = True\n"
        ),
    ),
    Setting(
        name="LOG_FORMAT",
        default="text",
        kind=TEXT,
        choices=("text", "json"),
        plain=True,
        section=OPERATIONS,
        doc="the request log's lines",
        example=(
            "\n"
            '# The request log (one line per request, on stderr): "text" or "json".\n'
            "LOG_FORMAT = {default}\n"
        ),
    ),
    Setting(
        name="METRICS_ENABLED",
        default=False,
        kind=SWITCH,
        section=OPERATIONS,
        doc=(
            "serve `/metrics` (see Operations; set `PROMETHEUS_MULTIPROC_DIR` with several workers)"
        ),
        example=(
            "\n"
            "# /metrics in Prometheus' format (keep it private). With several worker processes"
            " set\n"
            "# PROMETHEUS_MULTIPROC_DIR in the environment (deploy/gunicorn.conf.py does).\n"
            "METRICS_ENABLED = {default}\n"
        ),
    ),
    Setting(
        name="ALLOW_DEVELOPMENT_MODE",
        default=False,
        kind=SWITCH,
        section=OPERATIONS,
        doc=(
            "let development mode (`FLASK_DEBUG=1`) start under a WSGI server or on a"
            " non-loopback `flask run --host`; a development machine's, never production's"
        ),
        example=(
            "\n"
            "# Development mode (FLASK_DEBUG=1) is for `flask run` on loopback (`make run`)."
            " Under a WSGI\n"
            "# server (gunicorn, mod_wsgi) or on an address others reach it refuses to start"
            " unless this is\n"
            "# True: only on a development machine, never in production (it serves /dev/outbox"
            " and /docs,\n"
            "# and lets the example key and a missing mail server through).\n"
            "ALLOW_DEVELOPMENT_MODE = {default}\n"
        ),
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


def of_kind(kind: str) -> tuple[Setting, ...]:
    """The settings of one kind, in the table's order."""
    return tuple(setting for setting in SETTINGS if setting.kind == kind)
