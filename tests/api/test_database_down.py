"""An unreachable or uninitialised database is a clear 503, on both kinds of database."""

import pytest

from mfa_api import create_app
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
