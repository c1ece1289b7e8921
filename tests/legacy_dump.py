"""Load mfa-php's database dump into a MariaDB database, as a PHP install would have left it."""

from __future__ import annotations

from pathlib import Path

from mfa_api.db import connect
from mfa_api.migrate import split_statements

DUMP = Path(__file__).parent / "fixtures" / "mfa-php-otp.sql"

ALICE = {"email": "alice@example.test", "password": "Password123", "secret": "JBSWY3DPEHPK3PXP"}
BOB = {
    "email": "bob@example.test",
    "password": "correct horse battery",
    "secret": "KRSXG5CTMVRXEZLU",
}
CAROL = {"email": "carol@example.test", "password": "pending-pass-1", "secret": "GEZDGNBVGY3TQOJQ"}


def load_dump(url: str) -> None:
    """Run every statement of the dump against the (empty) database at url."""
    db = connect(url)
    try:
        for statement in split_statements(DUMP.read_text()):
            db.execute(statement)
    finally:
        db.close()
