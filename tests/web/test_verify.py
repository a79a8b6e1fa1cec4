"""/verify as pages: GET looks, POST spends; the right page for every outcome."""

import html
import re

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Attempt
from tests.conftest import csrf_token, match_number, path_of

PAGES = {
    "expired": (410, "This link has expired"),
    "used": (410, "already been used"),
    "invalid": (400, "This link is invalid"),
    "mismatch": (403, "Open this link in the browser where you asked for it"),
}


@pytest.fixture
def link(auth, mailbox):
    auth.start("sign-up", "grace@example.com")
    return path_of(mailbox.link("grace@example.com"))


def confirm(client, link):
    token = link.split("token=", 1)[1]
    number = match_number(client.application, token)  # a cross-device approval types it
    data = {"csrf_token": csrf_token(client), "token": token, "number": number}
    return client.post("/verify", data=data)


def words(response) -> str:
    """The page's text as a person reads it: its <main>, without tags."""
    main = re.search(r"<main.*?</main>", response.get_data(as_text=True), re.S).group()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def assert_page(response, outcome):
    status, text = PAGES[outcome]
    assert response.status_code == status and text in response.get_data(as_text=True)


def test_get_in_the_same_browser_autosubmits_and_spends_nothing(client, link):
    for _ in range(2):
        page = client.get(link)
        assert page.status_code == 200 and "data-autosubmit" in page.get_data(as_text=True)
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["Cache-Control"] == "no-store"
    assert client.head(link).status_code == 200
    assert confirm(client, link).location == "/user"


def test_another_browser_is_asked_to_approve_and_is_not_signed_in(app, link):
    phone = app.test_client()
    page = phone.get(link).get_data(as_text=True)
    assert "Approve this sign-up?" in page and "grace@example.com" in page
    assert "Requested from" in page and "just now" in page
    done = confirm(phone, link)
    assert done.status_code == 200
    # One voice: what the approval did, on the other device; a sign-up is no sign-in.
    assert words(done).startswith("Approved Your account is ready on the other device.")
    assert "sign" not in words(done).lower()
    assert phone.get("/user").status_code == 302


def test_an_approved_sign_in_says_the_other_device_is_signed_in(app, auth, user_email, mailbox):
    auth.start("sign-in", user_email)
    link = path_of(mailbox.link(user_email))
    done = words(confirm(app.test_client(), link))
    assert done.startswith("Approved You're signed in on the other device.")
    assert "not signed in" not in done and "account is ready" not in done


def test_the_waiting_tab_finishes_on_its_own_client(app, client, link):
    confirm(app.test_client(), link)
    with app.app_context():
        attempt_id = db.session.scalars(select(Attempt.id)).one()
    api = client.get(f"/api/sign-ups/{attempt_id}").get_json()
    assert api["status"] == "complete" and api["next_url"].endswith("/continue")
    assert client.get(api["next_url"]).location == "/user"
    assert "Signed in as" in client.get("/user").get_data(as_text=True)
    # A second visit (another tab, a reload) just goes on.
    assert client.get(api["next_url"]).location == "/user"


def test_a_used_link_fails(client, link):
    confirm(client, link)
    assert_page(client.get(link), "used")
    assert_page(confirm(client, link), "used")


def test_an_expired_link_fails_and_offers_a_new_one(client, link):
    clock.travel(601)
    page = client.get(link)
    assert_page(page, "expired")
    assert words(page).lower().count("expired") == 1  # the heading says it, once
    assert "Request a new link" in words(page)
    assert_page(confirm(client, link), "expired")


@pytest.mark.parametrize("query", ["", "?token=", "?token=garbage", "?token=" + "x" * 5000])
def test_garbage_tokens_get_the_invalid_page(client, query):
    if query == "":
        assert client.get("/verify").status_code == 400
        return
    assert_page(client.get(f"/verify{query}"), "invalid")


def test_post_without_token_is_invalid(client):
    response = client.post("/verify", data={"csrf_token": csrf_token(client)})
    assert_page(response, "invalid")


def test_require_same_client(app, client, link):
    app.config["REQUIRE_SAME_CLIENT"] = True
    phone = app.test_client()
    assert_page(phone.get(link), "mismatch")
    assert_page(confirm(phone, link), "mismatch")
    assert confirm(client, link).location == "/user"


def test_sign_in_rotates_the_session_cookie(client, link):
    before = client.get_cookie("latchkey_session").value
    confirm(client, link)
    after = client.get_cookie("latchkey_session").value
    assert before != after and "_user_id" not in before
