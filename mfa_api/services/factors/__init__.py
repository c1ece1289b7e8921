"""The second factors, one module each: TOTP (totp.py), a mailed or texted code (codes.py), a
backup code (backup.py), a passkey's assertion (passkeys.py), a remembered device (devices.py).
Each knows how it is issued, used up and refused; the flows decide when one is asked for."""
