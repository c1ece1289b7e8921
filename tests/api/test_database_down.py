"""An unreachable or uninitialised database is a clear 503, on both kinds of database."""

import pytest

from mfa_api import create_app
from mfa_api import db as db_module
from mfa_api.state import state_of
from tests.helpers import PREFIX
from tests.smtp import free_port

LOGIN = {"email": "a@b.c", "password": "whatever-pass"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-dir/for/sure/mfa.sqlite3",
        f"mysql://root@127.0.0.1:{free_port()}/mfa",
    ],
)
def test_unreachable_database_is_a_503_in_the_face_shape(url):
    app = create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": url})
    response = app.test_client().post(PREFIX + "/login", json=LOGIN)
    assert response.status_code == 503
    assert response.json == {"success": False, "error": "Database unavailable"}


def test_a_database_without_schema_is_a_503_too(app_config):
    response = create_app(app_config).test_client().post(PREFIX + "/login", json=LOGIN)
    assert response.status_code == 503
    assert response.json == {"success": False, "error": "Database unavailable"}


def test_while_mysql_is_unreachable_requests_fail_fast_then_it_is_tried_again(monkeypatch):
    url = f"mysql://root@127.0.0.1:{free_port()}/mfa"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": url, "BREAKER_SECONDS": 60}
    )
    tries = []
    real_connect = db_module._connect_mysql
    monkeypatch.setattr(
        db_module, "_connect_mysql", lambda *args: tries.append(1) or real_connect(*args)
    )
    client = app.test_client()
    answers = [client.post(PREFIX + "/login", json=LOGIN).status_code for _ in range(3)]
    assert answers == [503, 503, 503]
    assert len(tries) == 1  # the breaker answered the other two without trying
    state_of(app).breakers["database"]._open_until = 0  # as if its minute had passed
    client.post(PREFIX + "/login", json=LOGIN)
    assert len(tries) == 2  # probed again
