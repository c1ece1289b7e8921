-- The 2FA face: login challenges, backup codes, and short-lived state (pending TOTP secrets,
-- revoked token ids) for installs without Redis.

CREATE TABLE IF NOT EXISTS auth_challenges (
  jti VARCHAR(64) NOT NULL,
  user_id INT(11) NOT NULL,
  failures INT NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NULL,
  PRIMARY KEY (jti),
  KEY auth_challenges_user (user_id),
  CONSTRAINT auth_challenges_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS backup_codes (
  id INT(11) NOT NULL AUTO_INCREMENT,
  user_id INT(11) NOT NULL,
  code_hash CHAR(64) NOT NULL,
  code_encrypted TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY backup_codes_hash (code_hash),
  KEY backup_codes_user (user_id),
  CONSTRAINT backup_codes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS ephemeral (
  k VARCHAR(191) NOT NULL,
  v TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (k),
  KEY ephemeral_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
