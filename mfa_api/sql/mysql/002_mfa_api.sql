-- What this service adds to mfa-php's tables. Column names stay, so the data keeps working.
-- Times of our own are integer Unix seconds; mfa-php's TIMESTAMP columns keep their type.

-- users: mfa-php's `trials` becomes the failed-attempt count of the outstanding email OTP
-- (it had no default, so every INSERT had to name it).
ALTER TABLE users MODIFY trials INT(3) NOT NULL DEFAULT 0;
ALTER TABLE users MODIFY otp VARCHAR(100) NOT NULL DEFAULT '';
-- room for an encrypted TOTP secret later (ENCRYPTION_KEY)
ALTER TABLE users MODIFY auth_code VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN otp_expires_at BIGINT NULL;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NULL;
ALTER TABLE users ADD COLUMN twofa_enabled TINYINT(1) NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN token_version INT NOT NULL DEFAULT 0;
-- mfa-php's login codes (plain or bcrypt, no expiry) must never verify here.
UPDATE users SET otp = '' WHERE otp_expires_at IS NULL;

-- waiting_users: VARCHAR(6) cannot hold a hash; ON UPDATE rewrote the expiry on every change.
ALTER TABLE waiting_users MODIFY email_otp VARCHAR(255) NOT NULL;
ALTER TABLE waiting_users MODIFY phone_otp VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE waiting_users MODIFY auth_code VARCHAR(255) NOT NULL;
ALTER TABLE waiting_users MODIFY otp_expiry TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE waiting_users ADD COLUMN otp_expires_at BIGINT NULL;
ALTER TABLE waiting_users ADD COLUMN trials INT NOT NULL DEFAULT 0;
