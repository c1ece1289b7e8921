"""The account's defence: counters of consecutive failures and their back-off (counters.py),
the lock of the second factor and the sign-up cap (lockout.py), and the one guarded check that
reserves, evaluates and records every guess at a password or a code (guarded.py)."""
