-- WebAuthn user handles, stored (see sql/sqlite/012_webauthn_handles.sql).

ALTER TABLE users ADD COLUMN webauthn_handle CHAR(64) NULL;
