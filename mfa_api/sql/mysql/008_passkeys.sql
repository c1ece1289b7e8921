-- Passkeys (see sql/sqlite/008_passkeys.sql). Credential ids are base64url of up to 1023
-- bytes: ASCII, compared case-sensitively.

CREATE TABLE IF NOT EXISTS passkeys (
  id INT(11) NOT NULL AUTO_INCREMENT,
  user_id INT(11) NOT NULL,
  credential_id VARCHAR(1400) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  public_key TEXT NOT NULL,
  sign_count BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY passkeys_credential (credential_id),
  KEY passkeys_user (user_id),
  CONSTRAINT passkeys_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
