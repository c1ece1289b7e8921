-- Indexes for lookups that scanned a table growing with the accounts (tests/store/
-- test_query_plans.py). Counters by subject alone: an account deleted, an admin's view.
ALTER TABLE attempt_counters ADD INDEX attempt_counters_subject (subject);
-- Expired sign-ups, swept now and then, oldest first.
ALTER TABLE waiting_users ADD INDEX waiting_users_expiry (otp_expires_at);
