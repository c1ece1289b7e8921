"""The domain, in tiers: flows/ (what a user, an admin or the sweep does), factors/ (each
second factor), defence/ (counters, back-off, the lock, the one guarded check), and the shared
pieces beside them. No Flask request in here."""
