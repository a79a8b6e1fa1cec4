"""/api: the waiting page's JSON, bound to the client that started the attempt (SPEC §4)."""

import json
import re

import pytest

from app import clock
from tests.conftest import csrf_token, path_of


@pytest.fixture
def attempt_id(auth):
    location = auth.start("sign-up", "grace@example.com").location
    return location.rsplit("/", 1)[1]


def api(client, method, path, **kwargs):
    headers = {"X-CSRFToken": csrf_token(client)} if method == "post" else {}
    return getattr(client, method)(path, headers=headers, **kwargs)


def test_status_has_the_spec_shape(client, attempt_id):
    response = client.get(f"/api/sign-ups/{attempt_id}")
    assert response.status_code == 200 and response.content_type == "application/json"
    body = response.get_json()
    assert body["object"] == "sign_up_attempt" and body["id"] == attempt_id
    assert body["status"] == "missing_requirements" and body["identifier"] == "grace@example.com"
    verification = body["verification"]
    assert verification["status"] == "unverified" and verification["strategy"] == "email_link"
    assert isinstance(verification["expire_at"], int) and verification["expire_at"] > 10**12
    assert verification["verified_from_same_client"] is False and body["next_url"] is None


def test_sign_in_status_names(client, auth, user_email):
    location = auth.start("sign-in", user_email).location
    body = client.get(location.replace("/sign-in/", "/api/sign-ins/")).get_json()
    assert body["object"] == "sign_in_attempt" and body["status"] == "needs_first_factor"


def test_same_client_completion_is_reported(client, auth, attempt_id):
    auth.open_and_confirm("grace@example.com")
    body = client.get(f"/api/sign-ups/{attempt_id}").get_json()
    assert body["status"] == "complete"
    assert body["verification"] == {**body["verification"], "status": "verified"}
    assert body["verification"]["verified_from_same_client"] is True
    assert body["next_url"] == "/user"


def test_expiry_is_reported(client, attempt_id):
    clock.travel(600)
    assert client.get(f"/api/sign-ups/{attempt_id}").get_json()["verification"]["status"] == (
        "expired"
    )


def test_another_client_and_unknown_ids_get_404_in_the_error_format(app, attempt_id):
    for client, path in [
        (app.test_client(), f"/api/sign-ups/{attempt_id}"),
        (app.test_client(), "/api/sign-ups/sua_nope"),
        (app.test_client(), f"/api/sign-ins/{attempt_id}"),
    ]:
        response = client.get(path)
        assert response.status_code == 404
        [error] = response.get_json()["errors"]
        assert error["code"] == "resource_not_found"
        assert error["message"] and error["long_message"] and "meta" in error


def test_resend_needs_csrf_and_honours_the_cooldown(client, attempt_id, mailbox):
    assert client.post(f"/api/sign-ups/{attempt_id}/resend").status_code == 400
    early = api(client, "post", f"/api/sign-ups/{attempt_id}/resend")
    assert early.status_code == 429 and int(early.headers["Retry-After"]) in (29, 30)
    assert early.get_json()["errors"][0]["code"] == "too_many_requests"
    clock.travel(30)
    resent = api(client, "post", f"/api/sign-ups/{attempt_id}/resend")
    assert resent.status_code == 200 and resent.get_json()["status"] == "missing_requirements"
    assert len(mailbox.messages("grace@example.com")) == 2


def test_cancel(client, attempt_id, mailbox):
    response = api(client, "post", f"/api/sign-ups/{attempt_id}/cancel")
    body = response.get_json()
    assert body["status"] == "abandoned" and body["verification"]["status"] == "failed"
    again = api(client, "post", f"/api/sign-ups/{attempt_id}/cancel")
    assert again.status_code == 409 and again.get_json()["errors"][0]["code"] == "attempt_closed"
    assert client.get(path_of(mailbox.link("grace@example.com"))).status_code == 410


def test_wrong_method_is_a_json_405(client, attempt_id):
    response = client.delete(f"/api/sign-ups/{attempt_id}")
    assert response.status_code == 405 and response.get_json()["errors"][0]["message"]


def test_failed_delivery_is_reported_to_the_waiting_tab(make_app, mailbox):
    app = make_app(
        MAIL_DELIVERY="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_SUPPRESS_SEND=False
    )
    client = app.test_client()
    token = csrf_token(client, "/sign-up")
    location = client.post(
        "/sign-up", data={"csrf_token": token, "email_address": "grace@example.com"}
    ).location
    assert mailbox.settled("grace@example.com").last_error  # the sender tried, off-request
    body = client.get(location.replace("/sign-up/", "/api/sign-ups/")).get_json()
    assert body["email_delivery"] == "failed"
    assert "could not send the email yet" in client.get(location).get_data(as_text=True)


def test_requests_from_other_sites_are_refused(client, attempt_id):
    path = f"/api/sign-ups/{attempt_id}"
    assert client.get(path, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    response = client.get(path, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and response.get_json()["errors"][0]["code"] == "forbidden"


def page_words(client, attempt_id) -> dict:
    """The words the waiting page gives its script (#waiting-words)."""
    page = client.get(f"/sign-up/{attempt_id}").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="waiting-words">(.*?)</script>', page)
    return json.loads(block.group(1))


def test_the_page_has_words_for_what_its_api_answers(client, attempt_id, mailbox):
    """The /api answers in English (SPEC §11): the script says each refusal by its code and tries
    left, in the page's words, which are the pages' own messages."""
    words = page_words(client, attempt_id)
    path = f"/api/sign-ups/{attempt_id}/code"
    [malformed] = api(client, "post", path, json={"code": "12"}).get_json()["errors"]
    assert words["errors"][malformed["code"]] == "Enter the 6-digit code from the email."
    other = f"{(int(mailbox.code('grace@example.com')) + 1) % 10**6:06d}"
    [wrong] = api(client, "post", path, json={"code": other}).get_json()["errors"]
    told = words["triesLeft"][wrong["meta"]["tries_left"]]
    assert told == wrong["message"] == "That code isn't right. 4 tries left."
    assert words["resendIn"] == "You can resend in %(wait)s."  # waiting.js fills in the time


def test_a_refused_resend_is_said_by_its_reason_in_the_page_s_words(client, attempt_id):
    """A 429 says which limit refused it (meta.reason): the page has words for each, so an
    early resend is "You can request another email in …", not a generic "too many"."""
    client.set_cookie("lang", "de")
    words = page_words(client, attempt_id)
    answer = api(client, "post", f"/api/sign-ups/{attempt_id}/resend")
    assert answer.status_code == 429
    [error] = answer.get_json()["errors"]
    assert error["message"].startswith("You can request another email in")  # English (§11)
    told = words["reasons"][error["meta"]["reason"]]
    assert told == "Sie können in %(wait)s eine weitere E-Mail anfordern."


def test_without_javascript_the_page_does_not_claim_to_update_itself(client, attempt_id):
    """Only waiting.js makes the page update by itself, so only it shows the claim; without
    it the page says to reload."""
    page = client.get(f"/sign-up/{attempt_id}").get_data(as_text=True)
    [claim] = re.findall(r"<[^<]*>[^<]*updates by itself", page)
    assert claim.startswith('<span id="updates-by-itself" hidden>')
    noscript = re.search(r"<noscript>(.*?)</noscript>", page).group(1)
    assert f'<a href="/sign-up/{attempt_id}">Reload this page</a>' in noscript
