"""Oversized request bodies (issue 6): 413 on every state-changing route before any work,
with or without a Content-Length."""

import http.client
import http.cookiejar
from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_token
from tests.factory import make_secret_key
from tests.web.conftest import UNSAFE, audit_rows, routes


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


@pytest.mark.parametrize("size", [1 << 20, 10 << 20])
def test_a_huge_body_is_413_on_every_route_before_any_work(app, client, real_ids, secret_key, size):
    """1 MB and 10 MB to every state-changing route, signed in as an admin with a valid CSRF
    token and key: 413 in the route's own error format, and nothing happened."""
    body = b"email_address=" + b"a" * size
    before = audit_rows(app)
    headers = {"X-CSRFToken": csrf_token(client), "Authorization": f"Bearer {secret_key}"}
    seen = 0
    for method, path in routes(app, real_ids, UNSAFE):
        for content_type in ("application/x-www-form-urlencoded", "application/json"):
            response = client.open(
                path, method=method, data=body, content_type=content_type, headers=headers
            )
            assert response.status_code == 413, (method, path, content_type)
            if path.startswith(("/api/", "/v1/")):
                assert response.get_json()["errors"][0]["code"] == "request_body_too_large"
            else:
                assert "The request body is too large." in response.get_data(as_text=True)
            seen += 1
    assert seen > 80 and audit_rows(app) == before
    assert client.get("/user").status_code == 200  # /sign-out did not happen either


def chunked_post(base_url: str, path: str, size: int, headers: dict) -> int:
    """POST `size` bytes with Transfer-Encoding: chunked (no Content-Length) over real HTTP."""
    host, port = urlsplit(base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    chunk = b"a" * 65536

    def chunks():
        for _ in range(size // len(chunk)):
            yield chunk

    try:
        connection.request("POST", path, body=chunks(), headers=headers, encode_chunked=True)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed while we were still sending: read its answer
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def test_a_chunked_body_without_content_length_is_413_too(live_app, live_server):
    """Werkzeug cuts a streamed body at MAX_CONTENT_LENGTH without a word: without a check of
    our own, a cut JSON document or form could be read as a smaller, valid one."""
    key = make_secret_key(live_app, "attacks")
    json_headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for size in (1 << 20, 10 << 20):
        assert chunked_post(live_server, "/v1/users", size, json_headers) == 413
        assert chunked_post(live_server, "/v1/users/user_x/ban", size, json_headers) == 413
        assert chunked_post(live_server, "/sign-up", size, form) == 413
    # A small chunked body still works: the check costs nothing to honest clients.
    assert chunked_post(live_server, "/v1/users", 0, json_headers) == 422
