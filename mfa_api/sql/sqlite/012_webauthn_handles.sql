-- Each user's WebAuthn user handle, stored: it was an HMAC of the user id keyed from SECRET_KEY,
-- so changing that key gave authenticators a new handle for the same account. Random for new
-- users (at their first passkey); mfa_api/migrate_steps.py keeps the handle of users who have
-- passkeys already, computed under the current key.

ALTER TABLE users ADD COLUMN webauthn_handle TEXT;
