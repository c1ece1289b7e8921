"""The flows: what a user (or an admin, or the sweep) does, step by step, on the factors, the
account's defence and the shared pieces beside them: sign up, log in (either face) and answer
the challenge, step up, set up 2FA, manage the account, a phone and passkeys; the admin's
commands, key rotation and the sweep."""
