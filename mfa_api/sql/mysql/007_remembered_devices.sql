-- Remembered devices (see sql/sqlite/007_remembered_devices.sql).

CREATE TABLE IF NOT EXISTS remembered_devices (
  id INT(11) NOT NULL AUTO_INCREMENT,
  user_id INT(11) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  token_version INT NOT NULL,
  label VARCHAR(200) NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY remembered_devices_hash (token_hash),
  KEY remembered_devices_user (user_id),
  KEY remembered_devices_expiry (expires_at),
  CONSTRAINT remembered_devices_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
