"""The domain: registration, login, verification, notifications. No Flask request in here."""
