"""init-db: a new schema on both databases, and mfa-php's own database upgraded in place."""

import pytest

from mfa_api.db import IntegrityError, connect
from mfa_api.migrate import applied_versions, migrations, split_statements, upgrade
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


ALL = [
    "001_mfa_php",
    "002_mfa_api",
    "003_twofa",
    "004_account_defence",
    "005_revoked_tokens",
    "006_lookup_indexes",
    "007_remembered_devices",
    "008_passkeys",
    "009_passkey_suspension",
    "010_backup_hashes_unkeyed",
    "011_backup_copies_dropped",
    "012_webauthn_handles",
    "013_challenge_expiry",
    "014_webhooks",
    "015_api_keys",
    "016_passkey_sign_in",
]


def test_both_dialects_have_the_same_versions():
    assert [v for v, _, _ in migrations("sqlite")] == [v for v, _, _ in migrations("mysql")]


def test_a_new_database_gets_every_migration_once(conn):
    assert upgrade(conn, now=1000) == ALL
    assert upgrade(conn) == []
    versions = conn.fetch_all("SELECT version, name, applied_at FROM schema_version ORDER BY 1")
    assert versions == [
        {"version": int(name[:3]), "name": name[4:], "applied_at": 1000} for name in ALL
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
    assert upgrade(db) == ALL
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
    assert upgrade(db) == ALL
    assert column_info(db, "users", "token_version") is not None


def test_mixed_case_emails_from_mfa_php_are_lower_cased_and_compare_exactly(mfa_php_db):
    db = mfa_php_db
    db.execute("UPDATE users SET email = 'Alice.Uwase@Example.TEST' WHERE id = 6")
    db.execute("UPDATE waiting_users SET email = ' Carol@Example.test'")
    upgrade(db)
    assert db.fetch_one("SELECT id FROM users WHERE email = ?", ("alice.uwase@example.test",))
    assert db.fetch_one("SELECT email FROM waiting_users", ())["email"] == "carol@example.test"
    for variant in ("àlice.uwase@example.test", "ALICE.UWASE@EXAMPLE.TEST"):
        assert db.fetch_one("SELECT id FROM users WHERE email = ?", (variant,)) is None


def test_a_phone_typed_at_sign_up_is_not_unique_but_a_verified_one_is(conn):
    upgrade(conn)
    insert = (
        "INSERT INTO users (names, email, phone, password, auth_code, verified_phone) "
        "VALUES ('N', ?, '250788000001', 'h', 's', ?)"
    )
    conn.execute(insert, ("a@x.example", "250788000001"))
    conn.execute(insert, ("b@x.example", None))
    conn.execute(insert, ("c@x.example", None))
    with pytest.raises(IntegrityError):
        conn.execute(insert, ("d@x.example", "250788000001"))
    for email in ("a@x.example", "b@x.example"):
        conn.execute(
            "INSERT INTO waiting_users (names, email, phone, password, email_otp, auth_code) "
            "VALUES ('N', ?, '250788000001', 'h', 'o', 's')",
            (email,),
        )


def test_the_sqlite_rebuild_keeps_rows_ids_and_foreign_keys(tmp_path):
    db = connect(f"sqlite:///{tmp_path}/rebuild.sqlite3")
    try:
        for version in (1, 2, 3):
            apply_one(db, version)
        db.execute(
            "INSERT INTO users (id, names, email, phone, password, auth_code) "
            "VALUES (41, 'N', 'Mixed@Case.example', '1234567', 'h', 's')"
        )
        db.execute(
            "INSERT INTO backup_codes (user_id, code_hash, code_encrypted, created_at) "
            "VALUES (41, 'h', 'e', 0)"
        )
        assert upgrade(db) == [
            "004_account_defence",
            "005_revoked_tokens",
            "006_lookup_indexes",
            "007_remembered_devices",
            "008_passkeys",
            "009_passkey_suspension",
            "010_backup_hashes_unkeyed",
            "011_backup_copies_dropped",
            "012_webauthn_handles",
            "013_challenge_expiry",
            "014_webhooks",
            "015_api_keys",
            "016_passkey_sign_in",
        ]
        assert db.fetch_one("SELECT id, email FROM users", ()) == {
            "id": 41,
            "email": "mixed@case.example",
        }
        new_id = db.insert(
            "INSERT INTO users (names, email, phone, password) VALUES ('M', 'm@x.y', '1', 'h')"
        )
        assert new_id == 42  # AUTOINCREMENT carried over
        db.execute("DELETE FROM users WHERE id = 41")
        assert db.fetch_one("SELECT COUNT(*) AS n FROM backup_codes", ())["n"] == 0  # cascades
    finally:
        db.close()


def apply_one(db, version):
    """Apply one migration file by hand, recording it, as an older init-db would have."""
    (_, name, path) = next(m for m in migrations(db.dialect) if m[0] == version)
    applied_versions(db)
    for statement in split_statements(path.read_text()):
        db.execute(statement)
    db.execute(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, 0)", (version, name)
    )


def test_sqlite_runs_in_wal_mode_so_workers_can_read_while_one_writes(tmp_path):
    db = connect(f"sqlite:///{tmp_path}/wal.sqlite3")
    try:
        assert db.fetch_one("PRAGMA journal_mode", ())["journal_mode"] == "wal"
    finally:
        db.close()


def test_revocations_kept_in_the_ephemeral_table_move_to_revoked_tokens(conn):
    for version in (1, 2, 3, 4):
        apply_one(conn, version)
    conn.execute("INSERT INTO ephemeral (k, v, expires_at) VALUES ('deny:AbC-1', '{}', 99)")
    conn.execute("INSERT INTO ephemeral (k, v, expires_at) VALUES ('setup:7', '{}', 99)")
    assert upgrade(conn) == [
        "005_revoked_tokens",
        "006_lookup_indexes",
        "007_remembered_devices",
        "008_passkeys",
        "009_passkey_suspension",
        "010_backup_hashes_unkeyed",
        "011_backup_copies_dropped",
        "012_webauthn_handles",
        "013_challenge_expiry",
        "014_webhooks",
        "015_api_keys",
        "016_passkey_sign_in",
    ]
    assert conn.fetch_all("SELECT jti, expires_at FROM revoked_tokens", ()) == [
        {"jti": "AbC-1", "expires_at": 99}
    ]
    assert [r["k"] for r in conn.fetch_all("SELECT k FROM ephemeral", ())] == ["setup:7"]


def test_init_db_carries_revocations_kept_in_redis_into_the_database(database_url):
    import redis as redis_lib

    from mfa_api import create_app
    from tests.services import fresh_redis_prefix

    with fresh_redis_prefix() as (url, prefix):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "REDIS_URL": url,
                "REDIS_PREFIX": prefix,
            }
        )
        db = connect(database_url)
        try:
            for version in (1, 2, 3, 4):
                apply_one(db, version)
        finally:
            db.close()
        client = redis_lib.Redis.from_url(url, decode_responses=True)
        client.set(prefix + "deny:Tok-1", '{"exp": 4102444800}')
        output = app.test_cli_runner().invoke(args=["init-db"]).output
        assert "005_revoked_tokens" in output
        db = connect(database_url)
        try:
            rows = db.fetch_all("SELECT jti, expires_at FROM revoked_tokens", ())
        finally:
            db.close()
        assert rows == [{"jti": "Tok-1", "expires_at": 4102444800}]
        assert client.get(prefix + "deny:Tok-1") is None
