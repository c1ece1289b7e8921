-- Account defence: one canonical identity, phones that are claims until verified, codes bound to
-- what they were issued for and to whom, failure counters, and the audit trail.

-- Emails compare exactly (utf8mb4_general_ci made `màllory@…` the same account as `mallory@…`).
-- mfa-php stored them as typed: lower-case them first (the old case- and accent-insensitive
-- unique key guarantees this cannot collide), so mixed-case users still log in.
UPDATE users SET email = LOWER(TRIM(email));
ALTER TABLE users MODIFY email VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
UPDATE waiting_users SET email = LOWER(TRIM(email));
ALTER TABLE waiting_users MODIFY email VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- A phone typed at sign-up is a claim, not a key: it no longer blocks or deletes anyone else's
-- sign-up. Only a phone proven by an SMS code (verified_phone) is unique, and only it gets codes.
ALTER TABLE users DROP INDEX phone;
ALTER TABLE users ADD INDEX users_phone (phone);
ALTER TABLE users ADD COLUMN verified_phone VARCHAR(20) NULL;
ALTER TABLE users ADD UNIQUE KEY users_verified_phone (verified_phone);
ALTER TABLE waiting_users DROP INDEX phone;
ALTER TABLE waiting_users ADD INDEX waiting_users_phone (phone);

-- An emailed/SMS code answers only what it was issued for ('login', 'challenge:<jti>'), and
-- remembers the client that proved the password to get it (mfa-php's face: its IP).
ALTER TABLE users ADD COLUMN otp_purpose VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN otp_client VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE waiting_users ADD COLUMN otp_client VARCHAR(64) NOT NULL DEFAULT '';
-- One pending sign-up per email *and client*: a sign-up from elsewhere for the same email is
-- a sign-up of its own, and can neither replace nor kill the one the owner started.
ALTER TABLE waiting_users DROP INDEX email;
ALTER TABLE waiting_users ADD UNIQUE KEY waiting_users_email_client (email, otp_client);

-- Random ids compare exactly too.
ALTER TABLE auth_challenges MODIFY jti VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
ALTER TABLE ephemeral MODIFY k VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- Consecutive failures per account (and per client), reset only by a success or an admin.
CREATE TABLE IF NOT EXISTS attempt_counters (
  scope VARCHAR(32) NOT NULL,
  subject VARCHAR(320) NOT NULL,
  failures INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  unlock_hash CHAR(64) NULL,
  succeeded_at BIGINT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (scope, subject),
  UNIQUE KEY attempt_counters_unlock (unlock_hash),
  KEY attempt_counters_updated (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What happened to an account. No foreign key: the record outlives the account it describes.
CREATE TABLE IF NOT EXISTS security_events (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id INT(11) NULL,
  event VARCHAR(40) NOT NULL,
  ip VARCHAR(64) NOT NULL DEFAULT '',
  user_agent VARCHAR(255) NOT NULL DEFAULT '',
  request_id VARCHAR(128) NOT NULL DEFAULT '',
  at BIGINT NOT NULL,
  detail TEXT NULL,
  PRIMARY KEY (id),
  KEY security_events_user (user_id, at),
  KEY security_events_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
