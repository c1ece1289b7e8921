-- Keys of the admin API (/api/admin): `flask api-keys create` prints a key once; only an unkeyed
-- SHA-256 of its random secret is kept (docs/keys.md). id is the public part of the key
-- (mfa_ak_<id>_...), random rather than an auto-increment (ids interleave on Galera).

CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
