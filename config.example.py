"""Copy to config.py (next to wsgi.py) and edit. MFA_<KEY> environment variables override it.

Every key is optional except SECRET_KEY in production. Values shown are examples or defaults.
"""

# Signs tokens and keys the stored OTP hashes. Required in production (the service refuses
# to start without it); every worker and host must share the same one. Make one with:
#   python -c "import secrets; print(secrets.token_urlsafe(48))"
SECRET_KEY = "change-me-to-a-long-random-string"

# SQLite by default (instance/mfa.sqlite3). For MySQL/MariaDB, an mfa-php database included:
# DATABASE_URL = "mysql://user:password@127.0.0.1:3306/otp"

# Where the mfa-php face is mounted (mfa-php's clients call {prefix}/register etc.).
LEGACY_PREFIX = "/mfa-php/api"

# Allowed CORS origins: "*" (as mfa-php sent) or a list such as ["https://app.example"].
CORS_ORIGINS = "*"

# The issuer shown in authenticator apps (otpauth URIs).
TOTP_ISSUER = "MFA API"

# Emailed one-time codes: lifetime in seconds, and failed tries before a code dies.
OTP_TTL_SECONDS = 300
MAX_FAILED_ATTEMPTS = 5

# bcrypt cost for new password hashes; weaker hashes (mfa-php's $2y$10$) are re-hashed at login.
BCRYPT_ROUNDS = 12

# Access token lifetime in seconds.
JWT_TTL_SECONDS = 3600

# Mail (flask-mail). With MAIL_SERVER unset, mail is written to the log: development only.
# MAIL_SERVER = "smtp.example.com"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USE_SSL = False
# MAIL_USERNAME = "mfa@example.com"
# MAIL_PASSWORD = "app-password"
MAIL_DEFAULT_SENDER = "MFA API <no-reply@example.com>"
