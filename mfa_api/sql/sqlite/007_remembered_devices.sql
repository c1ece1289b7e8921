-- Remembered devices: a client that finished a second step with "remember": true may skip it
-- at its next logins. Only a keyed hash of its token is kept; a device answers only while the
-- user's token_version is the one it was remembered under (a password change, 2FA off, or a
-- logout everywhere moves it on).

CREATE TABLE IF NOT EXISTS remembered_devices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  token_version INTEGER NOT NULL,
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS remembered_devices_user ON remembered_devices (user_id);
CREATE INDEX IF NOT EXISTS remembered_devices_expiry ON remembered_devices (expires_at);
