"""Fixtures for the admin API's tests: keys made by `flask api-keys`, calls with them."""

import pytest

from tests.api.admin_helpers import ALL_SCOPES


@pytest.fixture
def admin_keys(twofa_app):
    """Runs `flask api-keys <args>`; create() gives the printed key."""

    class Keys:
        def run(self, *args, code=0):
            result = twofa_app.test_cli_runner().invoke(args=["api-keys", *args])
            assert result.exit_code == code, result.output
            return result.output

        def create(self, scopes=ALL_SCOPES, name="crm", *extra):
            output = self.run("create", "--name", name, "--scopes", scopes, *extra)
            return output.strip().splitlines()[-1]

    return Keys()


@pytest.fixture
def admin_call(twofa):
    """A request to /api/admin/<path> with the key as a bearer token."""

    def send(method, path, key=None, **kwargs):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return twofa.client.open("/api/admin/" + path, method=method, headers=headers, **kwargs)

    return send
