-- Passkey suspension (see sql/sqlite/009_passkey_suspension.sql).

ALTER TABLE passkeys ADD COLUMN suspended_at BIGINT NULL;
