-- mfa-php's tables in SQLite's types (mfa-php itself only ran on MySQL/MariaDB, so there is no
-- SQLite mfa-php database to upgrade; the columns it lacked defaults for get them here).

CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  names TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  phone TEXT NOT NULL UNIQUE,
  password TEXT NOT NULL,
  is_verified INTEGER DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  auth_code TEXT NOT NULL DEFAULT '',
  otp TEXT NOT NULL DEFAULT '',
  trials INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS waiting_users (
  waiting_id INTEGER PRIMARY KEY AUTOINCREMENT,
  names TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  phone TEXT NOT NULL UNIQUE,
  password TEXT NOT NULL,
  email_otp TEXT NOT NULL,
  phone_otp TEXT NOT NULL DEFAULT '',
  auth_code TEXT NOT NULL,
  otp_expiry TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS otp_settings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  email_otp_enabled INTEGER DEFAULT 1,
  phone_otp_enabled INTEGER DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
