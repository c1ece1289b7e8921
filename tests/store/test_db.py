"""The database layer: placeholders, transactions, and reuse of a thread's connection."""

import pytest

from mfa_api.db import connect, get_db
from tests.helpers import make_app
from tests.services import fresh_mysql_database


def test_literal_percent_signs_survive_the_placeholder_translation(database_url):
    db = connect(database_url)
    try:
        assert db.fetch_one("SELECT '100%' AS v, ? AS w", ("x?%",)) == {"v": "100%", "w": "x?%"}
    finally:
        db.close()


def test_a_failed_transaction_leaves_nothing_behind(app):
    with app.app_context():
        db = get_db()
        with pytest.raises(RuntimeError), db.transaction():
            db.execute("INSERT INTO ephemeral (k, v, expires_at) VALUES ('a', 'b', 1)")
            raise RuntimeError("half-way")
        assert db.fetch_one("SELECT k FROM ephemeral", ()) is None


def test_a_thread_reuses_its_connection_between_requests(app):
    with app.app_context():
        first = get_db()
    with app.app_context():
        assert get_db() is first


def test_a_request_that_failed_does_not_hand_its_connection_on(app):
    with pytest.raises(RuntimeError), app.app_context():
        first = get_db()
        raise RuntimeError("unhandled")
    with app.app_context():
        assert get_db() is not first


def test_another_database_gets_its_own_connection(app, tmp_path):
    other = make_app({**app.config, "DATABASE_URL": f"sqlite:///{tmp_path}/other.sqlite3"})
    with app.app_context():
        first = get_db()
    with other.app_context():
        assert get_db() is not first


def test_a_connection_the_server_killed_is_replaced_without_an_error(app_config):
    with fresh_mysql_database() as url:
        app = make_app({**app_config, "DATABASE_URL": url})
        with app.app_context():
            victim = get_db().fetch_one("SELECT CONNECTION_ID() AS id", ())["id"]
        admin = connect(url)
        admin.execute(f"KILL {int(victim)}")
        admin.close()
        with app.app_context():
            now_id = get_db().fetch_one("SELECT CONNECTION_ID() AS id", ())["id"]
        assert now_id != victim
