-- Counters by subject alone (an account deleted, an admin's view): an index, so that these
-- stay lookups with a million accounts, not scans.
ALTER TABLE attempt_counters ADD INDEX attempt_counters_subject (subject);
