-- Indexes for lookups that scanned a table growing with the accounts (tests/store/
-- test_query_plans.py). Counters by subject alone: an account deleted, an admin's view.
CREATE INDEX IF NOT EXISTS attempt_counters_subject ON attempt_counters (subject);
-- Expired sign-ups, swept now and then, oldest first.
CREATE INDEX IF NOT EXISTS waiting_users_expiry ON waiting_users (otp_expires_at);
