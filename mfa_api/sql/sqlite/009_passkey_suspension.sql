-- A passkey whose signature counter did not move forward (a copy of it may exist) is
-- suspended, for every copy, from that time until the user removes it.

ALTER TABLE passkeys ADD COLUMN suspended_at INTEGER;
