"""Copy to config.py (next to wsgi.py) and edit. MFA_<KEY> environment variables override it.

Outside development (FLASK_DEBUG=1) the service refuses to start without SECRET_KEY, MAIL_SERVER
and an encryption key; `flask --app wsgi check-config` lists everything that is wrong at once.
This file ships no usable secret: make your own, as each comment says.
"""

# Signs tokens and keys the stored code hashes; the same on every worker and host. It must be a
# generated key (32 random bytes or more, as hex or base64): a passphrase is refused. Make one
# with:  python -c "import secrets; print(secrets.token_urlsafe(48))"
# Changing it ends every session and every code already sent, nothing else (docs/keys.md).
# SECRET_KEY = "<the output of that command>"

# Encrypts TOTP secrets at rest: a key ring, newest first. Make a key with
# `flask --app wsgi gen-key`. To rotate: put a new key first, keep the old ones after it, run
# `flask --app wsgi rotate-keys`, then drop the old ones. (The older ENCRYPTION_KEY, any string,
# is still read as the oldest key of the ring; alone, it must be a generated key too.)
# ENCRYPTION_KEYS = ["<the output of flask gen-key>"]
# While a PHP mfa-php still reads this database it needs the TOTP secrets in plain text; say so
# on purpose:
# ALLOW_PLAINTEXT_SECRETS = True

# SQLite by default (instance/mfa.sqlite3). For MySQL/MariaDB, an mfa-php database included:
# DATABASE_URL = "mysql://user:password@127.0.0.1:3306/otp"
# or over the server's unix socket (the server's user is then 'user'@'localhost'):
# DATABASE_URL = "mysql://user:password@localhost/otp?unix_socket=/run/mysqld/mysqld.sock"

# Where the mfa-php face is mounted (mfa-php's clients call {prefix}/register etc.).
LEGACY_PREFIX = "/mfa-php/api"

# Allowed CORS origins: "*" (as mfa-php sent) or a list such as ["https://app.example"].
CORS_ORIGINS = "*"

# The issuer shown in authenticator apps (otpauth URIs).
TOTP_ISSUER = "MFA API"

# Emailed one-time codes: lifetime in seconds, and failed tries before a code dies.
OTP_TTL_SECONDS = 300
MAX_FAILED_ATTEMPTS = 5

# New password hashes: Argon2id at OWASP's parameters; other hashes (mfa-php's bcrypt $2y$10$)
# are re-hashed at login. "bcrypt" (at BCRYPT_ROUNDS) while a PHP without Argon2 reads them.
PASSWORD_HASH = "argon2id"
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19456
ARGON2_PARALLELISM = 1
# Password hashes one process computes at once (the others wait without CPU): 1 under gunicorn's
# several workers; more for a single process on many cores.
PASSWORD_HASH_CONCURRENCY = 1
BCRYPT_ROUNDS = 12
# The bcrypt cost of hashes an upgraded mfa-php database holds: wrong passwords all take at
# least as long as a check at it (None on an install that never held any).
LEGACY_BCRYPT_COST = 10

# Access token lifetime in seconds.
JWT_TTL_SECONDS = 3600
# Seconds a token (access or challenge) is still taken after its expiry, 0 to 60: room for app
# hosts whose clocks are a little apart (keep them in step with NTP all the same).
JWT_LEEWAY_SECONDS = 5
# /readyz fails (and check-config says so) while this host's clock is off the database's by
# more than this: hosts decide expiry, TOTP steps and back-off by their own clocks. 0: no check.
CLOCK_SKEW_MAX_SECONDS = 10

# Mail over SMTP. Required outside development; unset in development, mail (one-time codes
# included) is written to the log.
# MAIL_SERVER = "smtp.example.com"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USE_SSL = False
# MAIL_USERNAME = "mfa@example.com"
# MAIL_PASSWORD = "app-password"
MAIL_DEFAULT_SENDER = "MFA API <no-reply@example.com>"

# Redis: rate-limit counts shared by every worker, pending 2FA setups and phones being checked.
# Without it these live in the database (and rate limits in each worker's memory). Nothing
# security-relevant is kept there: losing it only means starting a setup again.
# REDIS_URL = "redis://127.0.0.1:6379/0"
# Or its primary through Sentinel (docs/operations.md, "Redis Sentinel"):
# REDIS_URL = "redis+sentinel://10.0.0.11:26379,10.0.0.12:26379,10.0.0.13:26379/mymaster/0"
# REDIS_PREFIX = "mfa:"

# Rate limits (flask-limiter notation). Behind a reverse proxy, trust this many hops of
# X-Forwarded-For for the client IP.
RATELIMIT_ENABLED = True
RATELIMIT_REGISTER = "5 per 15 minutes"
RATELIMIT_LOGIN = "10 per 5 minutes"
RATELIMIT_VERIFY = "10 per 5 minutes"
RATELIMIT_2FA_GENERATE = "5 per 15 minutes"
RATELIMIT_2FA_VERIFY = "10 per 5 minutes"
RATELIMIT_2FA_RECOVER = "5 per 15 minutes"
RATELIMIT_2FA_RESEND = "3 per 15 minutes"
RATELIMIT_2FA_PHONE = "3 per 15 minutes"  # codes texted to a phone being verified, per user
RATELIMIT_STEP_UP = "10 per 15 minutes"  # one budget per user and client for every re-check
RATELIMIT_UNLOCK = "5 per 15 minutes"  # POST /api/auth/unlock, per client IP
RATELIMIT_PASSKEY_LOGIN = "20 per 5 minutes"  # /api/auth/passkey-login*, per client IP
RATELIMIT_PASSWORD_CHECKS = "60 per 5 minutes"  # passwords checked per client IP, any email
RATELIMIT_ADMIN = "600 per minute"  # the admin API (/api/admin), per key
PROXY_COUNT = 0

# Account defence: consecutive failures per account, reset only by a success or an admin.
# After BACKOFF_AFTER failures (of a second factor, or of a password from one client) each
# further attempt must wait BACKOFF_BASE_SECONDS, doubling up to BACKOFF_MAX_SECONDS; earlier
# attempts are refused with 429 and Retry-After without being checked. Wrong passwords from all
# clients together mail the owner at ACCOUNT_BACKOFF_AFTER (nobody else waits); codes guessed by
# clients that did not ask for them back off after it; an email's wrong sign-up codes stop
# being checked at it until the owner uses the mailed token. LOCK_AFTER consecutive wrong
# second factors (at most 100) lock them until the user unlocks with the mailed token, or an
# admin runs `flask users unlock EMAIL`. UNLOCK_URL, if set, is the link in the lock notice.
BACKOFF_AFTER = 5
BACKOFF_BASE_SECONDS = 1
BACKOFF_MAX_SECONDS = 900
ACCOUNT_BACKOFF_AFTER = 20
LOCK_AFTER = 100
# A client that logged in to an account this recently adds nothing to its count of wrong passwords.
KNOWN_CLIENT_DAYS = 30
# A device remembered after a second step ("remember": true) skips it for this long.
REMEMBER_DEVICE_DAYS = 30

# Passkeys (WebAuthn): the site's domain (the relying party), the name authenticators show
# (None: TOTP_ISSUER), and the origins of the pages that run the ceremonies.
# WEBAUTHN_RP_ID = "example.com"
# WEBAUTHN_RP_NAME = "Example"
# WEBAUTHN_ORIGINS = ["https://example.com", "https://app.example.com"]
# UNLOCK_URL = "https://app.example/unlock?token={token}"

# How long the audit trail (GET /api/auth/events, `flask users events`) keeps an event.
EVENTS_RETENTION_DAYS = 90
# GET /api/admin/events leaves out events younger than this (an event is stamped when its
# request starts and commits later: a feed up to now could skip it).
ADMIN_EVENTS_LAG_SECONDS = 30

# Deadlines (seconds) for each call to a dependency, all below gunicorn's 30 s timeout; a
# dependency that failed is skipped (503 at once) for BREAKER_SECONDS, then tried again.
DB_CONNECT_TIMEOUT_SECONDS = 2
DB_TIMEOUT_SECONDS = 5
REDIS_TIMEOUT_SECONDS = 0.5
MAIL_TIMEOUT_SECONDS = 5
SMS_TIMEOUT_SECONDS = 5
BREAKER_SECONDS = 5

# Webhooks (`flask webhooks`, docs/webhooks.md): one post's deadline in seconds (the whole
# exchange); whether receivers at loopback, private or link-local addresses are allowed (off:
# an endpoint could reach internal services); how long settled deliveries are kept.
WEBHOOKS_TIMEOUT_SECONDS = 10
WEBHOOKS_ALLOW_PRIVATE = False
WEBHOOKS_RETENTION_DAYS = 30

# Lifetimes of the login challenge and of a pending 2FA setup, in seconds.
CHALLENGE_TTL_SECONDS = 300
SETUP_TTL_SECONDS = 900

# SMS for /api/auth/2fa/phone and /2fa/resend-otp, through a Twilio-compatible REST gateway.
# SMS_GATEWAY_URL = "https://api.twilio.com"
# SMS_ACCOUNT_SID = "AC..."
# SMS_AUTH_TOKEN = "..."
# SMS_FROM = "+15550001234"

# New passwords that are common or breached (a list shipped with the service) are refused;
# turn it off only for old clients that must keep their choices. Whitespace-only is refused always.
REJECT_COMMON_PASSWORDS = True

# New email addresses at special-use or reserved names (corp.local, example.test, .localhost,
# .invalid, .onion, .arpa) are taken, as mfa-php took them; True refuses them at /register.
REJECT_SPECIAL_USE_DOMAINS = False

# Behind HTTPS, tell browsers to use nothing else for this many seconds (0: no HSTS header).
HSTS_SECONDS = 0

# Swagger UI at /docs: unset = on in development only; True serves it in production too.
# (/openapi.json, the document it shows, is always served.)
# DOCS_ENABLED = True

# The request log (one line per request, on stderr): "text" or "json".
LOG_FORMAT = "text"

# /metrics in Prometheus' format (keep it private). With several worker processes set
# PROMETHEUS_MULTIPROC_DIR in the environment (deploy/gunicorn.conf.py does).
METRICS_ENABLED = False

# Development mode (FLASK_DEBUG=1) is for `flask run` on loopback (`make run`). Under a WSGI
# server (gunicorn, mod_wsgi) or on an address others reach it refuses to start unless this is
# True: only on a development machine, never in production (it serves /dev/outbox and /docs,
# and lets the example key and a missing mail server through).
ALLOW_DEVELOPMENT_MODE = False
