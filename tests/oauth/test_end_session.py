"""RP-initiated logout (/oauth/end-session): an ID token vouches for the request; without one
the person is asked; the redirect goes only to a URI the app registered."""

import pytest

from tests.oauth.conftest import REDIRECT_URI, bearer, issue_tokens, query_of


def signed_in_to_latchkey(client) -> bool:
    return client.get("/user").status_code == 200


def test_with_an_id_token_hint_it_signs_out_and_goes_back_with_the_state(client, rp, signed_in):
    tokens = issue_tokens(rp)
    answer = client.get(
        "/oauth/end-session",
        query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": REDIRECT_URI,
            "state": "bye",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(REDIRECT_URI)
    assert query_of(answer.headers["Location"]) == {"state": "bye"}
    assert not signed_in_to_latchkey(client)
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 401


def test_a_hint_sent_from_another_browser_signs_nobody_out(app, client, rp, signed_in, auth):
    tokens = issue_tokens(rp)
    stranger = app.test_client()  # a link a stranger got hold of, opened anywhere else
    answer = stranger.post("/oauth/end-session", data={"id_token_hint": tokens["id_token"]})
    assert answer.status_code == 200 and signed_in_to_latchkey(client)
    # A browser signed in to another session is asked, and only it is signed out.
    other = app.test_client()
    Auth = type(auth)
    Auth(other, auth.mailbox).sign_in(signed_in)
    asked = other.get("/oauth/end-session", query_string={"id_token_hint": tokens["id_token"]})
    assert "Sign out of Latchkey?" in asked.get_data(as_text=True)
    assert signed_in_to_latchkey(client) and signed_in_to_latchkey(other)
    confirm(other, asked)
    assert signed_in_to_latchkey(client) and not signed_in_to_latchkey(other)


def test_an_access_token_as_hint_vouches_for_nothing(client, rp, signed_in):
    tokens = issue_tokens(rp)
    asked = client.get("/oauth/end-session", query_string={"id_token_hint": tokens["access_token"]})
    assert asked.status_code == 200 and "Sign out of Latchkey?" in asked.get_data(as_text=True)
    assert signed_in_to_latchkey(client)


@pytest.mark.parametrize(
    "uri",
    [
        "http://evil.example/",
        "http://127.0.0.1:9/callback/../evil",
        "http://127.0.0.1:9/callbackx",
        "//evil.example",
        "javascript:alert(1)",
        "/user",
    ],
)
def test_an_unregistered_post_logout_redirect_is_never_followed(client, rp, signed_in, uri):
    tokens = issue_tokens(rp)
    answer = client.get(
        "/oauth/end-session",
        query_string={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": uri},
    )
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert not signed_in_to_latchkey(client)


def confirm(client, asked):
    """Press "Sign out" on the confirmation page: its form, as the browser would post it."""
    page = asked.get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[-1].split('"')[0]
    query = page.split('name="query" value="')[1].split('"')[0].replace("&amp;", "&")
    return client.post("/oauth/end-session/confirm", data={"csrf_token": token, "query": query})


def test_without_a_hint_the_person_is_asked_and_csrf_guards_the_answer(client, rp, signed_in):
    asked = client.get(
        "/oauth/end-session",
        query_string={
            "client_id": rp.client_id,
            "post_logout_redirect_uri": REDIRECT_URI,
            "state": "s",
        },
    )
    assert asked.status_code == 200 and "Sign out of Latchkey?" in asked.get_data(as_text=True)
    assert signed_in_to_latchkey(client)  # nothing happened yet
    forged = client.post("/oauth/end-session/confirm", data={"query": "client_id=x"})
    assert forged.status_code == 400 and signed_in_to_latchkey(client)

    confirmed = confirm(client, asked)
    assert confirmed.status_code == 302
    assert query_of(confirmed.headers["Location"]) == {"state": "s"}
    assert not signed_in_to_latchkey(client)


def test_a_confirmed_sign_out_to_an_unregistered_uri_stays_here(client, rp, signed_in):
    asked = client.get(
        "/oauth/end-session",
        query_string={
            "client_id": rp.client_id,
            "post_logout_redirect_uri": "http://evil.example/",
        },
    )
    answer = confirm(client, asked)
    assert answer.status_code == 200 and "Location" not in answer.headers


@pytest.mark.parametrize("hint", ["junk", "a.b.c", "x" * 5000])
def test_a_bad_hint_is_an_error_page_and_signs_nobody_out(client, rp, signed_in, hint):
    answer = client.get(
        "/oauth/end-session",
        query_string={"id_token_hint": hint, "post_logout_redirect_uri": REDIRECT_URI},
    )
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert signed_in_to_latchkey(client)


def test_a_hint_for_another_client_id_is_refused(app, client, rp, signed_in):
    from tests.factory import make_oauth_app

    tokens = issue_tokens(rp)
    other, _ = make_oauth_app(app)
    answer = client.get(
        "/oauth/end-session",
        query_string={"id_token_hint": tokens["id_token"], "client_id": other},
    )
    assert answer.status_code == 400 and signed_in_to_latchkey(client)


def test_a_signed_out_browser_goes_straight_back_to_a_registered_uri_only(client, rp):
    back = client.get(
        "/oauth/end-session",
        query_string={"client_id": rp.client_id, "post_logout_redirect_uri": REDIRECT_URI},
    )
    assert back.status_code == 302 and back.headers["Location"] == REDIRECT_URI
    stay = client.get(
        "/oauth/end-session",
        query_string={
            "client_id": rp.client_id,
            "post_logout_redirect_uri": "http://evil.example/",
        },
    )
    assert stay.status_code == 200 and "Location" not in stay.headers
