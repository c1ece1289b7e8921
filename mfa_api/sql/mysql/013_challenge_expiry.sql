-- auth_challenges by expiry (see sql/sqlite/013_challenge_expiry.sql).

CREATE INDEX auth_challenges_expiry ON auth_challenges (expires_at);
