"""Requests from other sites: form posts must come from this site (Sec-Fetch-Site, else Origin,
says where one came from: app/views/same_origin.py, in place of Flask-WTF's Referer check over
HTTPS), the cookie API refuses other sites, and nothing is readable across origins."""

import re

import pytest

from tests.conftest import csrf_token
from tests.factory import make_secret_key, make_user

CSRF_FAILURE = "This form has expired or was not sent from this site"


@pytest.fixture
def site(make_app):
    """A client of the app served over HTTPS, as in production, at https://localhost."""
    return make_app(PUBLIC_URL="https://localhost").test_client()


def sign_up_post(client, headers: dict, base_url: str = "https://localhost"):
    """POST /sign-up with a valid CSRF token and the given headers, and no Referer: the page
    a browser posts from may be a token page, which sends none."""
    page = client.get("/sign-up", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post(
        "/sign-up",
        data={"csrf_token": token, "email_address": "ada@example.com"},
        headers=headers,
        base_url=base_url,
    )


def refused(response) -> bool:
    return response.status_code == 400 and CSRF_FAILURE in response.get_data(as_text=True)


# Over plain HTTP, where nothing but the CSRF token stood in the way (as behind a TLS proxy
# with TRUSTED_PROXIES=0); over HTTPS, Flask-WTF refused every post without a Referer.
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "https://localhost"},  # another scheme is another origin
        {"Sec-Fetch-Site": "cross-site"},
        # A sibling subdomain is where a planted cookie would come from.
        {"Sec-Fetch-Site": "same-site", "Origin": "http://login.localhost"},
        # The browser's own word wins over an Origin that looks right.
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
    ],
)
def test_a_post_from_another_site_is_refused_even_with_a_valid_csrf_token(client, mailbox, headers):
    assert refused(sign_up_post(client, headers, base_url="http://localhost"))
    assert mailbox.messages() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://localhost"},
        {"Origin": "HTTPS://LOCALHOST:443"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://localhost"},
        # What Chromium sends from a token page (Referrer-Policy: no-referrer): Origin null.
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
        # Older browsers: Origin null from a token page, and no Sec-Fetch-Site. The CSRF token
        # decides alone, as it does for a client that sends neither header.
        {"Origin": "null"},
        {},
        {"Sec-Fetch-Site": "none"},  # typed or bookmarked: the user's own doing
    ],
)
def test_a_post_from_this_site_is_allowed_over_https_without_a_referer(site, headers):
    """Flask-WTF's strict Referer check refused every one of these over HTTPS."""
    assert sign_up_post(site, headers).status_code == 302


def test_public_urls_origin_is_this_sites_own_whatever_the_host_header(make_app):
    """Behind a proxy that passes its own upstream Host, PUBLIC_URL still names this site."""
    client = make_app(PUBLIC_URL="https://login.example.test/auth").test_client()
    upstream = "http://127.0.0.1:8000"
    allowed = {"Origin": "https://login.example.test"}
    assert sign_up_post(client, allowed, base_url=upstream).status_code == 302
    assert refused(sign_up_post(client, {"Origin": "https://example.test"}, base_url=upstream))


def test_the_cookie_api_refuses_a_cross_site_post_and_the_key_api_does_not(app, site):
    """/api rides on the browser's cookies; /v1 takes a secret key, so no origin matters."""
    started = sign_up_post(site, {})
    cancel = f"/api/sign-ups/{started.location.rsplit('/', 1)[1]}/cancel"
    headers = {"X-CSRFToken": csrf_token(site), "Accept": "application/json"}
    cross_site = {**headers, "Sec-Fetch-Site": "cross-site"}
    response = site.post(cancel, headers=cross_site, base_url="https://localhost")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["code"] == "malformed_request"
    same_origin = {**headers, "Sec-Fetch-Site": "same-origin"}
    assert site.post(cancel, headers=same_origin, base_url="https://localhost").status_code == 200

    user_id, key = make_user(app, "grace@example.com"), make_secret_key(app)
    response = site.post(
        "/v1/sign_in_tokens",
        json={"user_id": user_id},
        headers={"Authorization": f"Bearer {key}", **cross_site},
        base_url="https://localhost",
    )
    assert response.status_code == 200


def test_a_waiting_tab_cannot_be_read_across_origins(client, auth):
    location = auth.start("sign-up", "grace@example.com").location
    response = client.get(location.replace("/sign-up/", "/api/sign-ups/"))
    assert "Access-Control-Allow-Origin" not in response.headers
    assert re.match(r"sua_", location.rsplit("/", 1)[1])


def test_the_frontend_api_refuses_other_sites_even_with_a_token(client, auth):
    """Fetch metadata says where a request comes from: another site's page gets a 403, and its
    posts the answer of every post from another site (app/views/same_origin.py), a 400."""
    location = auth.start("sign-up", "grace@example.com").location
    api = location.replace("/sign-up/", "/api/sign-ups/")
    headers = {"X-CSRFToken": csrf_token(client), "Sec-Fetch-Site": "cross-site"}
    assert client.get(api, headers=headers).status_code == 403
    assert client.post(f"{api}/cancel", headers=headers).status_code == 400
