-- Keys of the admin API (see sql/sqlite/015_api_keys.sql).

CREATE TABLE IF NOT EXISTS api_keys (
  id VARCHAR(16) NOT NULL,
  name VARCHAR(100) NOT NULL,
  scopes VARCHAR(200) NOT NULL,
  secret_hash CHAR(64) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NULL,
  last_used_at BIGINT NULL,
  revoked_at BIGINT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
