-- What this service adds to mfa-php's tables (see sql/mysql/002_mfa_api.sql).

ALTER TABLE users ADD COLUMN otp_expires_at INTEGER;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
ALTER TABLE users ADD COLUMN twofa_enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

ALTER TABLE waiting_users ADD COLUMN otp_expires_at INTEGER;
ALTER TABLE waiting_users ADD COLUMN trials INTEGER NOT NULL DEFAULT 0;
