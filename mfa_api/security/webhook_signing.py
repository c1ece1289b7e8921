"""Standard Webhooks signing: the secret's form, message ids, and the `v1` signature.

The scheme (standardwebhooks.com): the secret is `whsec_` and the base64 of random bytes; a
message is signed as HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` keyed with the
secret's decoded bytes, and sent as `webhook-signature: v1,<base64 of the MAC>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's marker, not a secret
SECRET_BYTES = 32  # the scheme asks for 24 to 64
MESSAGE_PREFIX = "msg_"


def new_secret() -> str:
    """A new signing secret, in the form receivers' libraries read (`whsec_<base64>`)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    """A message id: the same on every retry of a message, so that receivers can dedupe."""
    return MESSAGE_PREFIX + secrets.token_urlsafe(18)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value for one message sent at timestamp."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one message, and its content type."""
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }
