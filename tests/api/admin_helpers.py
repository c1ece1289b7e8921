"""The admin API's tests share these: every scope, and a printed key's public id."""

ALL_SCOPES = "users:read,users:write,events:read"


def key_id(key: str) -> str:
    """The id part of a printed key (mfa_ak_<id>_<secret>)."""
    return key.split("_")[2]
