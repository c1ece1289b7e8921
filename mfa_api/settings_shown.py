"""Settings as an operator may see them: what the table marks secret (a key, a password, a URL
that may hold one) is never printed, neither in `flask check-config --settings` nor in a
problem's message or the start-up log."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .settings_table import SETTINGS, Setting

HIDDEN = "<hidden>"
# A part this short is no secret worth hiding, and replacing it would garble every message.
SHORTEST_HIDDEN = 4


def _url_secrets(url: str) -> list[str]:
    """What of a URL is secret: its password (else its user alone: a token, as in
    redis://token@host), and its query (which may carry one). The userinfo is read from the
    raw text, up to the last "@": a password with a "/", "#" or "?" not encoded ends
    urlsplit's netloc early, and would be missed."""
    _, found, rest = url.partition("://")
    if not found:
        return [url] if url else []
    user, colon, password = rest.rpartition("@")[0].partition(":")
    credential = password if colon else user
    query = urlsplit(url).query
    return [part for part in (credential, query) if part]


def _is_url(setting: Setting) -> bool:
    """Whether the setting is a URL (DATABASE_URL, RATELIMIT_STORAGE_URI): only part of it is
    secret."""
    return setting.name.endswith(("_URL", "_URI"))


def _secrets_of(setting: Setting, value: Any) -> list[str]:
    """The secret parts of one secret setting's value, as text."""
    if isinstance(value, list | tuple):
        return [part for item in value for part in _secrets_of(setting, item)]
    text = "" if value is None else str(value)
    return _url_secrets(text) if _is_url(setting) else [text] if text else []


def secret_parts(config: Mapping) -> list[str]:
    """Every secret value of config (by the table's names), longest first."""
    found = {
        part
        for s in SETTINGS
        if s.secret
        for part in _secrets_of(s, config.get(s.name))
        if len(part) >= SHORTEST_HIDDEN
    }
    return sorted(found, key=len, reverse=True)


def hide_secrets(text: str, config: Mapping) -> str:
    """text with every secret value of config in it replaced by <hidden>, in any case (a
    message may quote a value lower-cased, as an origin)."""
    for part in secret_parts(config):
        text = re.sub(re.escape(part), HIDDEN, text, flags=re.IGNORECASE)
    return text


def _shown_value(setting: Setting, value: Any) -> str:
    """One setting's value as config.py would write it, a secret's hidden (a URL keeps all
    but its password and query)."""
    if not setting.secret or value in (None, "", []):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(HIDDEN for _ in value) + "]"
    text = str(value)
    if not _is_url(setting):
        return HIDDEN
    for part in _url_secrets(text):
        text = text.replace(part, HIDDEN)
    return repr(text)


def settings_lines(config: Mapping) -> list[str]:
    """Every setting of the table with its value in config, `NAME = value`, secrets hidden."""
    return [f"{s.name} = {_shown_value(s, config.get(s.name))}" for s in SETTINGS]
