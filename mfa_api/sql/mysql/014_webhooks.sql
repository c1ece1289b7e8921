-- Webhooks: the receivers of the security events (each with its signing secret, sealed under
-- ENCRYPTION_KEYS, and the events it asked for: names separated by commas, or *), and the
-- durable outbox of deliveries. A delivery row is written in the transaction that records its
-- audit event; `flask webhooks run` on any host claims due rows with a lease (a conditional
-- UPDATE: one host wins), posts them, and marks them delivered, or due again after a back-off,
-- or failed.

CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id INT NOT NULL AUTO_INCREMENT,
  url VARCHAR(2048) NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id BIGINT NOT NULL AUTO_INCREMENT,
  endpoint_id INT NOT NULL,
  message_id VARCHAR(64) NOT NULL,
  event VARCHAR(40) NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  leased_until BIGINT NULL,
  lease VARCHAR(64) NULL,
  last_attempt_at BIGINT NULL,
  last_error VARCHAR(255) NULL,
  finished_at BIGINT NULL,
  PRIMARY KEY (id),
  KEY webhook_deliveries_due (status, next_attempt_at),
  KEY webhook_deliveries_endpoint (endpoint_id, status),
  KEY webhook_deliveries_finished (finished_at),
  CONSTRAINT webhook_deliveries_endpoint_fk FOREIGN KEY (endpoint_id)
    REFERENCES webhook_endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
