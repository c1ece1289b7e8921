-- Signing in with a passkey alone (see sql/sqlite/016_passkey_sign_in.sql).

ALTER TABLE passkeys ADD COLUMN user_verified TINYINT(1) NOT NULL DEFAULT 0;
ALTER TABLE passkeys ADD COLUMN discoverable TINYINT(1) NULL;
