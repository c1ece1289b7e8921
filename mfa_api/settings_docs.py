"""config.example.py and the settings tables of docs/api.md, made from the settings table;
`python -m mfa_api.settings_docs` (`make settings-docs`) writes both anew."""

from __future__ import annotations

import json
from pathlib import Path

from .settings_table import (
    LIBRARY,
    LIMIT,
    SECONDS,
    SECTIONS,
    SETTINGS,
    SWITCH,
    WHOLE,
    Section,
    Setting,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_HEADER = (
    '"""Copy to config.py (next to wsgi.py) and edit. MFA_<KEY> environment variables override'
    " it.\n"
    "\n"
    "Outside development (FLASK_DEBUG=1) the service refuses to start without SECRET_KEY,"
    " MAIL_SERVER\n"
    "and an encryption key; `flask --app wsgi check-config` lists everything that is wrong at"
    " once.\n"
    "This file ships no usable secret: make your own, as each comment says.\n"
    '"""\n'
)
DOCS_HEADERS = {
    True: "| setting (env `MFA_…`) | default | limits | meaning |\n|---|---|---|---|\n",
    False: "| setting (env `MFA_…`) | default | meaning |\n|---|---|---|\n",
}


def literal(value) -> str:
    """A default as config.py writes it: strings in double quotes."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


def example_file() -> str:
    """config.example.py: every setting with an example, in the table's order."""
    lines = [s.example.replace("{default}", literal(s.default)) for s in SETTINGS if s.example]
    return EXAMPLE_HEADER + "".join(lines)


def shown_default(setting: Setting) -> str:
    """The docs' default column."""
    if setting.shown_default is not None:
        return setting.shown_default
    value = setting.default
    if isinstance(value, bool):
        return f"`{json.dumps(value)}`"
    return "unset" if value is None or value is LIBRARY else f"`{value}`"


def shown_limits(setting: Setting) -> str:
    """The docs' limits column: as written in the table, else said from the kind and bounds."""
    if setting.shown_limits is not None:
        return setting.shown_limits
    if setting.kind == SWITCH:
        return "switch" if setting.default is not None else "switch or unset"
    if setting.kind == SECONDS:
        return f"above 0, at most {setting.high}"
    if setting.choices:
        return " or ".join(f"`{choice}`" for choice in setting.choices)
    if setting.kind in (WHOLE, LIMIT) and None not in (setting.low, setting.high):
        return f"{setting.low} to {setting.high}"
    return ""


def docs_table(section: Section) -> str:
    """The markdown table of one section, a row per setting (settings without a doc of their
    own are named in the row above)."""
    rows: list[list[str]] = []
    for setting in (s for s in SETTINGS if s.section is section):
        if setting.doc is None:
            rows[-1][0] += f", `{setting.name}`"
            continue
        limits = [shown_limits(setting)] if section.limits else []
        rows.append([f"`{setting.name}`", shown_default(setting), *limits, setting.doc])
    cells = ("|" + "|".join(f" {cell} " if cell else " " for cell in row) + "|\n" for row in rows)
    return DOCS_HEADERS[section.limits] + "".join(cells)


def docs_with_tables(text: str) -> str:
    """docs/api.md's text with each section's settings table made anew (the prose between them
    is left as it is)."""
    lines = text.splitlines(keepends=True)
    settings = lines.index("## Settings\n")
    for section in SECTIONS:
        start = lines.index(f"### {section.title}\n", settings)
        start = next(n for n in range(start, len(lines)) if lines[n].startswith("| setting"))
        end = next(n for n in range(start, len(lines)) if not lines[n].startswith("|"))
        lines[start:end] = [docs_table(section)]
    return "".join(lines)


def main() -> None:
    """Write config.example.py and docs/api.md's settings tables from the table."""
    (ROOT / "config.example.py").write_text(example_file())
    api = ROOT / "docs" / "api.md"
    api.write_text(docs_with_tables(api.read_text()))


if __name__ == "__main__":
    main()
