-- Revoked token ids (POST /api/auth/logout) live in the database, where losing a cache can
-- never revive them. They were in Redis, or in the ephemeral table as 'deny:<jti>' keys; the
-- latter move here (init-db copies those in Redis too).

CREATE TABLE IF NOT EXISTS revoked_tokens (
  jti VARCHAR(64) NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (jti),
  KEY revoked_tokens_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO revoked_tokens (jti, expires_at)
  SELECT SUBSTR(e.k, 6), e.expires_at FROM ephemeral e
  WHERE e.k LIKE 'deny:%'
  AND NOT EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = SUBSTR(e.k, 6));
DELETE FROM ephemeral WHERE k LIKE 'deny:%';
