-- Revoked token ids live in the database (see sql/mysql/005_revoked_tokens.sql).

CREATE TABLE IF NOT EXISTS revoked_tokens (
  jti TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_tokens_expiry ON revoked_tokens (expires_at);

INSERT INTO revoked_tokens (jti, expires_at)
  SELECT substr(e.k, 6), e.expires_at FROM ephemeral e
  WHERE e.k LIKE 'deny:%'
  AND NOT EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = substr(e.k, 6));
DELETE FROM ephemeral WHERE k LIKE 'deny:%';
