"""The second factors, one module each: TOTP (totp.py), a mailed or texted code (codes.py), a
backup code (backup.py), a passkey's assertion (passkeys.py), a remembered device (devices.py).
Each has the one shape of factor.py (a name, takes(), use() -> Outcome) and knows how it is
issued, used up and refused; choice.py offers an answer to them; the flows decide when one is
asked for."""
