"""A software WebAuthn authenticator for the tests: real ceremonies, real signatures.

It holds one ES256 (P-256) credential, answers creation options with a "none" attestation
and request options with a signed assertion, in the JSON form a browser's
PublicKeyCredential.toJSON() gives. (soft-webauthn does this too, but pins fido2 < 2 and so
cryptography < 45, which py_webauthn 3 cannot run beside.)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

USER_PRESENT = 0x01
ATTESTED_DATA = 0x40
ES256 = -7


def b64url(data: bytes) -> str:
    """base64url without padding, as WebAuthn's JSON forms write bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """One credential on one relying party; its counter moves at each assertion (unless
    counting is False: synced passkeys report 0 every time)."""

    def __init__(self, origin: str = "http://localhost:5000", *, counting: bool = True):
        self.origin = origin
        self.counting = counting
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.rp_id: str | None = None
        self.sign_count = 0

    def clone(self) -> SoftAuthenticator:
        """A copy holding the same key and counter (what a cloned authenticator is)."""
        return copy.deepcopy(self)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: ES256, -1: 1, -2: x, -3: y})

    def create(self, options: dict, origin: str | None = None) -> dict:
        """Answer PublicKeyCredentialCreationOptions (JSON) as navigator.credentials.create()."""
        assert {"type": "public-key", "alg": ES256} in options["pubKeyCredParams"]
        self.rp_id = options["rp"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([USER_PRESENT | ATTESTED_DATA])
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID: none
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["usb"],
            }
        )

    def get(self, options: dict, origin: str | None = None) -> dict:
        """Answer PublicKeyCredentialRequestOptions (JSON) as navigator.credentials.get()."""
        allowed = [c["id"] for c in options.get("allowCredentials", [])]
        assert not allowed or b64url(self.credential_id) in allowed
        self.sign_count += 1 if self.counting else 0
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + bytes([USER_PRESENT])
            + struct.pack(">I", self.sign_count)
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
            }
        )

    def _credential(self, response: dict) -> dict:
        """A PublicKeyCredential's JSON form around this response."""
        credential_id = b64url(self.credential_id)
        return {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
        }
