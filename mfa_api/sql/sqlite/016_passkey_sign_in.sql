-- Signing in with a passkey alone (POST /api/auth/passkey-login): what its creation told.
-- user_verified: the authenticator verified the user (a PIN or biometric) when it made the
-- passkey (authenticator data's UV flag); only such passkeys sign in without the password.
-- Passkeys made before this version were not asked for it: 0, added again to sign in alone.
-- discoverable: the browser said it is a discoverable credential (credProps' rk): 1 or 0, NULL
-- when it did not say.

ALTER TABLE passkeys ADD COLUMN user_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE passkeys ADD COLUMN discoverable INTEGER;
