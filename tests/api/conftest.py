"""Backend API fixtures: a secret key, a JSON client that sends it, and a user to act on."""

import pytest

from app import clock
from app.auth.secret_keys import create_secret_key
from app.auth.users import create_user
from app.extensions import db
from tests.conftest import work


@pytest.fixture
def secret_key(app):
    with work(app):
        return create_secret_key("tests", clock.now())[1]


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
    with work(app):
        user = create_user("ada@example.com", "ada@example.com", clock.now(), strategy="admin")
        db.session.commit()
        return user.id


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
    from app.auth.clients import ensure_client_id
    from app.auth.origin import Origin
    from app.auth.sign_in_tokens import accept_sign_in_token, mint_sign_in_token
    from app.auth.tokens import make_token

    with work(app):
        now = clock.now()
        _, token = mint_sign_in_token(user_id, now)
        origin = Origin(client_id=ensure_client_id(make_token(), "tests"), ip="127.0.0.1")
        return accept_sign_in_token(token, origin, now).session.id
