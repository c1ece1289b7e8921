-- auth_challenges by expiry, for `flask sweep` (rows a user who never logs in again left
-- behind were cleared only at that user's next login).

CREATE INDEX IF NOT EXISTS auth_challenges_expiry ON auth_challenges (expires_at);
