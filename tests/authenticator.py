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
USER_VERIFIED = 0x04
ATTESTED_DATA = 0x40
ES256 = -7


def b64url(data: bytes) -> str:
    """base64url without padding, as WebAuthn's JSON forms write bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """One credential on one relying party; its counter moves at each assertion (or stays 0,
    as on authenticators that keep none, when counts is False). With verifies (the default)
    it verifies the user (the UV flag) at each ceremony; with resident (the default) the
    credential is discoverable: it answers options naming no credential, with its user
    handle, and says rk true to credProps."""

    def __init__(
        self,
        origin: str = "http://localhost:5000",
        counts: bool = True,
        verifies: bool = True,
        resident: bool = True,
    ):
        self.origin = origin
        self.counts = counts
        self.verifies = verifies
        self.resident = resident
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.rp_id: str | None = None
        self.user_handle: str | None = None  # base64url, as the creation options gave it
        self.sign_count = 0

    def _flags(self, *more: int) -> bytes:
        """The authenticator data's flags byte."""
        return bytes([USER_PRESENT | (USER_VERIFIED if self.verifies else 0) | sum(more)])

    def clone(self) -> SoftAuthenticator:
        """A copy holding the same key and counter (what a cloned authenticator is)."""
        return copy.deepcopy(self)

    def _client_data(
        self, kind: str, challenge: str, origin: str | None, top_origin: str | None
    ) -> bytes:
        """clientDataJSON; with top_origin, as a browser writes it inside a frame whose page
        is that origin (crossOrigin true)."""
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        if top_origin is None:
            return json.dumps({**data, "crossOrigin": False}).encode()
        return json.dumps({**data, "crossOrigin": True, "topOrigin": top_origin}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: ES256, -1: 1, -2: x, -3: y})

    def create(
        self, options: dict, origin: str | None = None, top_origin: str | None = None
    ) -> dict:
        """Answer PublicKeyCredentialCreationOptions (JSON) as navigator.credentials.create()
        (in a frame of another site's page when top_origin is given)."""
        assert {"type": "public-key", "alg": ES256} in options["pubKeyCredParams"]
        self.rp_id = options["rp"]["id"]
        self.user_handle = options["user"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], origin, top_origin)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + self._flags(ATTESTED_DATA)
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID: none
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        asked = options.get("extensions", {})
        extensions = {"credProps": {"rk": self.resident}} if asked.get("credProps") else {}
        response = {
            "clientDataJSON": b64url(client_data),
            "attestationObject": b64url(attestation),
            "transports": ["usb"],
        }
        return self._credential(response, extensions)

    def get(self, options: dict, origin: str | None = None, top_origin: str | None = None) -> dict:
        """Answer PublicKeyCredentialRequestOptions (JSON) as navigator.credentials.get() (in a
        frame of another site's page when top_origin is given)."""
        allowed = [c["id"] for c in options.get("allowCredentials", [])]
        assert b64url(self.credential_id) in allowed if allowed else self.resident
        self.sign_count += 1 if self.counts else 0
        client_data = self._client_data("webauthn.get", options["challenge"], origin, top_origin)
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + self._flags()
            + struct.pack(">I", self.sign_count)
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self.resident:  # a discoverable credential says whose it is
            response["userHandle"] = self.user_handle
        return self._credential(response)

    def _credential(self, response: dict, extensions: dict | None = None) -> dict:
        """A PublicKeyCredential's JSON form around this response."""
        credential_id = b64url(self.credential_id)
        return {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": response,
            "clientExtensionResults": extensions or {},
        }
