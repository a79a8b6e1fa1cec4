"""Backend API fixtures: a JSON client that sends the secret key (tests/conftest.py), a user
to act on and a session of theirs."""

import pytest

from tests.factory import make_session, make_user


class Api:
    """The test client with `Authorization: Bearer sk_…` on every request."""

    def __init__(self, client, key):
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def __getattr__(self, method):
        def call(path, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)(f"/v1{path}", headers=headers, **kwargs)

        return call


@pytest.fixture
def api(client, secret_key):
    return Api(client, secret_key)


@pytest.fixture
def user_id(app):
    """An existing user with the verified primary address ada@example.com."""
    return make_user(app, "ada@example.com", strategy="admin")


def assert_error(response, status: int, code: str, param: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    [error] = response.get_json()["errors"]
    assert error["code"] == code
    assert error["message"] and error["long_message"]
    if param:
        assert error["meta"]["param_name"] == param
    return error


@pytest.fixture
def session_id(app, user_id):
    """An active session of that user, made by accepting a sign-in token in a new browser."""
    return make_session(app, user_id)
