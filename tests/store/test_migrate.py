"""init-db: a new schema on both databases, and mfa-php's own database upgraded in place."""

import pytest

from mfa_api.db import connect
from mfa_api.migrate import migrations, upgrade
from tests.legacy_dump import load_dump
from tests.services import fresh_mysql_database


@pytest.fixture
def conn(database_url):
    db = connect(database_url)
    yield db
    db.close()


@pytest.fixture
def mfa_php_db():
    """A MariaDB database holding mfa-php's dump, not yet upgraded."""
    with fresh_mysql_database() as url:
        load_dump(url)
        db = connect(url)
        yield db
        db.close()


def test_both_dialects_have_the_same_versions():
    assert [v for v, _, _ in migrations("sqlite")] == [v for v, _, _ in migrations("mysql")]


def test_a_new_database_gets_every_migration_once(conn):
    assert upgrade(conn, now=1000) == ["001_mfa_php", "002_mfa_api", "003_twofa"]
    assert upgrade(conn) == []
    versions = conn.fetch_all("SELECT version, name, applied_at FROM schema_version ORDER BY 1")
    assert versions == [
        {"version": 1, "name": "mfa_php", "applied_at": 1000},
        {"version": 2, "name": "mfa_api", "applied_at": 1000},
        {"version": 3, "name": "twofa", "applied_at": 1000},
    ]


def test_a_new_database_has_mfa_php_columns_and_ours(conn):
    upgrade(conn)
    conn.execute(
        "INSERT INTO users (names, email, phone, password, auth_code) "
        "VALUES ('N', 'n@x.y', '1234567', 'h', 's')"
    )
    row = conn.fetch_one("SELECT * FROM users", ())
    for column in ("names", "email", "phone", "password", "is_verified", "created_at", "auth_code"):
        assert column in row
    assert row["trials"] == 0 and row["otp"] == ""
    assert row["twofa_enabled"] == 1 and row["token_version"] == 0
    assert row["otp_expires_at"] is None and row["totp_last_step"] is None


def column_info(db, table, column):
    return db.fetch_one(
        "SELECT CHARACTER_MAXIMUM_LENGTH AS length, COLUMN_DEFAULT AS dflt, EXTRA AS extra "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_NAME = ? AND COLUMN_NAME = ?",
        (table, column),
    )


def test_the_mfa_php_dump_upgrades_in_place_and_mends_its_quirks(mfa_php_db):
    db = mfa_php_db
    before = {r["email"]: r for r in db.fetch_all("SELECT * FROM users ORDER BY id", ())}
    assert upgrade(db) == ["001_mfa_php", "002_mfa_api", "003_twofa"]
    assert column_info(db, "waiting_users", "email_otp")["length"] == 255
    assert "on update" not in column_info(db, "waiting_users", "otp_expiry")["extra"].lower()
    assert column_info(db, "users", "trials")["dflt"] == "0"
    after = {r["email"]: r for r in db.fetch_all("SELECT * FROM users ORDER BY id", ())}
    alice, bob = after["alice@example.test"], after["bob@example.test"]
    assert alice["password"] == before["alice@example.test"]["password"]
    assert alice["auth_code"] == "JBSWY3DPEHPK3PXP" and alice["id"] == 6
    assert bob["otp"] == ""  # mfa-php's stale plain code is gone
    assert alice["twofa_enabled"] == 1 and alice["token_version"] == 0
    carol = db.fetch_one("SELECT * FROM waiting_users", ())
    assert carol["email"] == "carol@example.test" and carol["otp_expires_at"] is None
    new_id = db.insert(
        "INSERT INTO users (names, email, phone, password, auth_code) "
        "VALUES ('N', 'n@x.y', '1234567', 'h', 's')"
    )
    assert new_id == 8  # AUTO_INCREMENT state kept


def test_upgrading_twice_changes_nothing(mfa_php_db):
    upgrade(mfa_php_db)
    snapshot = mfa_php_db.fetch_all("SELECT * FROM users ORDER BY id", ())
    assert upgrade(mfa_php_db) == []
    assert mfa_php_db.fetch_all("SELECT * FROM users ORDER BY id", ()) == snapshot


def test_an_upgrade_cut_off_halfway_completes_when_run_again(mfa_php_db):
    db = mfa_php_db
    upgrade_001_only = migrations("mysql")[:1]
    assert upgrade_001_only[0][0] == 1
    db.execute("ALTER TABLE users ADD COLUMN otp_expires_at BIGINT NULL")  # part of 002, by hand
    db.execute("ALTER TABLE waiting_users MODIFY email_otp VARCHAR(255) NOT NULL")
    assert upgrade(db) == ["001_mfa_php", "002_mfa_api", "003_twofa"]
    assert column_info(db, "users", "token_version") is not None


def test_sqlite_runs_in_wal_mode_so_workers_can_read_while_one_writes(tmp_path):
    db = connect(f"sqlite:///{tmp_path}/wal.sqlite3")
    try:
        assert db.fetch_one("PRAGMA journal_mode", ())["journal_mode"] == "wal"
    finally:
        db.close()
