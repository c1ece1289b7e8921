-- Account defence (see sql/mysql/004_account_defence.sql). SQLite compares text exactly already;
-- its inline UNIQUEs on phone (and waiting_users' on email) cannot be dropped, so users and
-- waiting_users are rebuilt the way SQLite documents it (init-db runs migrations with foreign
-- keys off, and checks them after).

CREATE TABLE users_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  names TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  phone TEXT NOT NULL,
  password TEXT NOT NULL,
  is_verified INTEGER DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  auth_code TEXT NOT NULL DEFAULT '',
  otp TEXT NOT NULL DEFAULT '',
  trials INTEGER NOT NULL DEFAULT 0,
  otp_expires_at INTEGER,
  totp_last_step INTEGER,
  twofa_enabled INTEGER NOT NULL DEFAULT 1,
  token_version INTEGER NOT NULL DEFAULT 0,
  verified_phone TEXT UNIQUE,
  otp_purpose TEXT NOT NULL DEFAULT '',
  otp_client TEXT NOT NULL DEFAULT ''
);
INSERT INTO users_new (id, names, email, phone, password, is_verified, created_at, auth_code,
  otp, trials, otp_expires_at, totp_last_step, twofa_enabled, token_version)
  SELECT id, names, lower(trim(email)), phone, password, is_verified, created_at, auth_code,
  otp, trials, otp_expires_at, totp_last_step, twofa_enabled, token_version FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_phone ON users (phone);

CREATE TABLE waiting_users_new (
  waiting_id INTEGER PRIMARY KEY AUTOINCREMENT,
  names TEXT NOT NULL,
  email TEXT NOT NULL,
  phone TEXT NOT NULL,
  password TEXT NOT NULL,
  email_otp TEXT NOT NULL,
  phone_otp TEXT NOT NULL DEFAULT '',
  auth_code TEXT NOT NULL,
  otp_expiry TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  otp_expires_at INTEGER,
  trials INTEGER NOT NULL DEFAULT 0,
  otp_client TEXT NOT NULL DEFAULT '',
  UNIQUE (email, otp_client)
);
INSERT INTO waiting_users_new (waiting_id, names, email, phone, password, email_otp, phone_otp,
  auth_code, otp_expiry, created_at, otp_expires_at, trials)
  SELECT waiting_id, names, lower(trim(email)), phone, password, email_otp, phone_otp,
  auth_code, otp_expiry, created_at, otp_expires_at, trials FROM waiting_users;
DROP TABLE waiting_users;
ALTER TABLE waiting_users_new RENAME TO waiting_users;
CREATE INDEX waiting_users_phone ON waiting_users (phone);

CREATE TABLE IF NOT EXISTS attempt_counters (
  scope TEXT NOT NULL,
  subject TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  unlock_hash TEXT UNIQUE,
  succeeded_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope, subject)
);
CREATE INDEX IF NOT EXISTS attempt_counters_updated ON attempt_counters (updated_at);

CREATE TABLE IF NOT EXISTS security_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER,
  event TEXT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS security_events_user ON security_events (user_id, at);
CREATE INDEX IF NOT EXISTS security_events_at ON security_events (at);
