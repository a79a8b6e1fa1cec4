"""Open redirects (issue 6, SPEC §6): a redirect URL from another origin is refused wherever
one is taken, and what is let through stays on this site."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import csrf_token, path_of
from tests.factory import work
from tests.web.conftest import post_form, v1

SHOP = "https://shop.example.com"


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False, ALLOWED_REDIRECT_ORIGINS=[SHOP])


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\/evil.example",
        "https:evil.example",
        "javascript:alert(document.cookie)",
        "https://localhost.evil.example/",
        "/\r\nLocation: https://evil.example",
        " //evil.example",
    ],
)
@pytest.mark.parametrize("flow", ["sign-in", "sign-up"])
def test_foreign_redirect_urls_are_refused_at_input(client, auth, user_email, flow, target):
    address = user_email if flow == "sign-in" else "grace@example.com"
    response = auth.start(flow, address, redirect_url=target)
    assert response.status_code == 422
    assert "That redirect URL is not allowed." in response.get_data(as_text=True)


def test_an_allowed_origin_may_be_the_redirect(make_app, mailbox):
    app = make_app(ALLOWED_REDIRECT_ORIGINS=["https://shop.example.com"])
    client = app.test_client()
    token = csrf_token(client, "/sign-up")
    client.post(
        "/sign-up",
        query_string={"redirect_url": "https://shop.example.com/welcome"},
        data={"csrf_token": token, "email_address": "grace@example.com"},
    )
    link = path_of(mailbox.link("grace@example.com"))
    client.get(link)
    done = client.post(
        "/verify", data={"csrf_token": csrf_token(client), "token": link.split("=", 1)[1]}
    )
    assert done.location == "https://shop.example.com/welcome"
    assert "https://shop.example.com" in done.headers["Content-Security-Policy"]


LOOKALIKE = "https://sh\u043ep.example.com/"  # Cyrillic о

FOREIGN_REDIRECTS = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    f"{SHOP}@evil.example/",
    f"{SHOP}.evil.example/",
    f"{SHOP}\\@evil.example",
    "https://evil.example/#https://shop.example.com",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\nLocation: https://evil.example",
    " //evil.example",
    "\x00//evil.example",
    LOOKALIKE,
    "https://xn--shp-ted.example.com/",  # the same lookalike in punycode
    "http://shop.example.com/",  # the allowed host, but not its origin
    "https://shop.example.com:8443/",
    "ftp://shop.example.com/",
]


def refusals(place, client, key, user_id, target):
    if place in ("sign-in", "sign-up"):
        address = "admin@example.com" if place == "sign-in" else "new@example.com"
        token = csrf_token(client, f"/{place}")
        response = client.post(
            f"/{place}",
            query_string={"redirect_url": target},
            data={"csrf_token": token, "email_address": address},
        )
        return response, "That redirect URL is not allowed." in response.get_data(as_text=True)
    if place == "admin":
        path = f"/admin/users/{user_id}/sign-in-tokens"
        response = post_form(client, path, redirect_url=target)
        return response, "That redirect URL is not allowed." in response.get_data(as_text=True)
    body = {"user_id": user_id, "redirect_url": target}
    response = v1(client, key, "POST", "/sign_in_tokens", body)
    [error] = response.get_json()["errors"]
    if error["code"] == "malformed_request":  # NUL: refused before any field is read
        return response, response.status_code == 400
    return response, response.status_code == 422 and error["meta"]["param_name"] == "redirect_url"


@pytest.mark.parametrize("place", ["sign-in", "sign-up", "admin", "v1"])
def test_foreign_redirects_are_refused_wherever_a_redirect_url_is_taken(
    app, client, admin, ada, secret_key, place
):
    assert len(FOREIGN_REDIRECTS) >= 8
    for target in FOREIGN_REDIRECTS:
        response, says_why = refusals(place, client, secret_key, ada, target)
        assert response.status_code in (400, 422) and says_why, (place, target)
    with work(app):
        stored = db.session.scalars(text("SELECT redirect_url FROM sign_in_tokens")).all()
        stored += db.session.scalars(text("SELECT redirect_url FROM attempts")).all()
    assert set(stored) <= {None}  # nothing refused was kept to be followed later


def lands_on(location: str, base: str = "http://localhost/verify") -> str:
    """Where a browser goes: WHATWG URL parsing drops tabs/newlines and reads \\ as /."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
    return urlsplit(urljoin(base, cleaned)).netloc


@pytest.mark.parametrize("target", ["/%2F%2Fevil.example", "/%5Cevil.example", "/..//evil.example"])
def test_odd_paths_on_this_site_are_kept_on_this_site(client, auth, target):
    """What the check lets through is a path here: after the link, the browser stays here."""
    assert auth.start("sign-up", "new@example.com", redirect_url=target).status_code == 302
    done = auth.open_and_confirm("new@example.com")
    assert done.status_code == 302 and done.location == target
    assert lands_on(done.location) == "localhost"


@pytest.mark.parametrize(
    "path", ["//evil.example", "//evil.example/user", "//user", "/static//evil.example", "/\\evil"]
)
def test_request_paths_never_redirect_off_site(client, path):
    """A path a server passes on as is (gunicorn does): any redirect stays on this host."""
    response = client.get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code < 500
    location = response.headers.get("Location")
    assert location is None or lands_on(location) == "localhost", (path, location)
