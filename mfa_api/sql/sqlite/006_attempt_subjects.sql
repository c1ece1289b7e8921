-- Counters by subject alone (an account deleted, an admin's view): an index, so that these
-- stay lookups with a million accounts, not scans.
CREATE INDEX IF NOT EXISTS attempt_counters_subject ON attempt_counters (subject);
