"""/oauth/authorize: through Latchkey's sign-in, consent once per scope set, prompt and max_age,
and errors per RFC 6749 §4.1.2.1 (never a redirect to a URI that is not registered)."""

import html
import re

import pytest

from app import clock
from tests.conftest import csrf_token
from tests.factory import make_oauth_app
from tests.oauth.conftest import REDIRECT_URI, RelyingParty, query_of


def test_a_signed_out_browser_signs_in_and_comes_back_to_consent(
    client, auth, rp, user_email, mailbox
):
    response = rp.authorize(login_hint=user_email)
    assert response.status_code == 302
    sign_in = query_of(response.headers["Location"])
    assert response.headers["Location"].startswith("/sign-in?")
    assert sign_in["email_address"] == user_email  # login_hint prefills the address
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{user_email}"' in page

    waiting = auth.start("sign-in", user_email, redirect_url=sign_in["redirect_url"])
    assert "Example App" in client.get(waiting.headers["Location"]).get_data(as_text=True)
    assert "continue to Example App" in mailbox.last(user_email).text_body
    finished = auth.open_and_confirm(user_email)
    assert finished.headers["Location"] == sign_in["redirect_url"]

    consent = client.get(sign_in["redirect_url"])
    assert consent.status_code == 200
    assert 'Allow <span id="app-name">Example App</span>' in consent.get_data(as_text=True)
    back = rp.consent(consent)
    params = query_of(back.headers["Location"])
    assert back.headers["Location"].startswith(REDIRECT_URI)
    assert set(params) == {"code", "state"}
    assert params["state"] == query_of("?" + sign_in["redirect_url"].split("?", 1)[1])["state"]


def test_consent_is_asked_once_per_user_and_scope_set(rp, signed_in):
    assert rp.authorize(scope="openid email").status_code == 200  # asks
    rp.code_from(rp.consent(rp.authorize(scope="openid email")))
    rp.code_from(rp.authorize(scope="openid email"))  # not again
    rp.code_from(rp.authorize(scope="openid"))  # nor for fewer scopes
    assert rp.authorize(scope="openid email profile").status_code == 200  # more: asks again
    assert rp.authorize(scope="openid", prompt="consent").status_code == 200


def test_a_first_party_app_never_asks(app, client, signed_in):
    client_id, secret = make_oauth_app(app, first_party=True)
    RelyingParty(client, client_id, secret).code_from(
        RelyingParty(client, client_id, secret).authorize()
    )


def test_deny_sends_access_denied_with_the_state(rp, signed_in):
    denied = rp.consent(rp.authorize(state="xyz"), decision="deny")
    assert denied.headers["Location"].startswith(REDIRECT_URI)
    params = query_of(denied.headers["Location"])
    assert (params["error"], params["state"]) == ("access_denied", "xyz")
    assert "code" not in params
    rp.code_from(rp.consent(rp.authorize()))  # nothing was remembered: asked again


def test_consent_needs_the_csrf_token(client, rp, signed_in):
    consent = rp.authorize()
    action = consent.get_data(as_text=True).split('id="consent" method="post" action="')[1]
    action = action.split('"')[0].replace("&amp;", "&")
    forged = client.post(action, data={"decision": "allow"})
    assert forged.status_code == 400
    assert "Location" not in forged.headers


def test_prompt_none_signed_out_answers_login_required(rp, client):
    answer = rp.authorize(prompt="none", state="s1")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(REDIRECT_URI)
    assert query_of(answer.headers["Location"])["error"] == "login_required"
    assert query_of(answer.headers["Location"])["state"] == "s1"


def test_prompt_none_without_consent_answers_consent_required(rp, signed_in):
    answer = rp.authorize(prompt="none")
    assert query_of(answer.headers["Location"])["error"] == "consent_required"
    rp.consent(rp.authorize())
    rp.code_from(rp.authorize(prompt="none"))  # consented and signed in: no page at all


@pytest.mark.parametrize("params", [{"prompt": "login"}, {"max_age": "0"}])
def test_prompt_login_and_max_age_ask_for_a_fresh_link(client, auth, rp, signed_in, params):
    rp.consent(rp.authorize())
    clock.travel(5)
    again = rp.authorize(**params)
    assert again.headers["Location"].startswith("/sign-in?")
    back = query_of(again.headers["Location"])["redirect_url"]
    assert "prompt" not in back and "max_age" not in back  # once signed in afresh, not again
    auth.start("sign-in", signed_in, redirect_url=back)
    auth.open_and_confirm(signed_in)
    rp.code_from(client.get(back))


def test_max_age_not_exceeded_asks_nothing(rp, signed_in):
    rp.consent(rp.authorize())
    rp.code_from(rp.authorize(max_age="3600"))


def test_max_age_with_prompt_none_answers_login_required(rp, signed_in):
    rp.consent(rp.authorize())
    clock.travel(5)
    answer = rp.authorize(max_age="1", prompt="none")
    assert query_of(answer.headers["Location"])["error"] == "login_required"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/callback?x=1",
        "http://127.0.0.1:9/Callback",
        "http://evil.example/callback",
        "http://127.0.0.1:9@evil.example/callback",
        "//evil.example/callback",
        "javascript:alert(1)",
        "http://127.0.0.1:9/callback#frag",
        "",
    ],
)
def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    rp, signed_in, redirect_uri
):
    answer = rp.authorize(redirect_uri=redirect_uri or None)
    assert answer.status_code == 400
    assert "Location" not in answer.headers


@pytest.mark.parametrize("client_id", ["oa_3N9oaZqPmF29YLHJHQKFdNICBLV", "nope", "", "x" * 5000])
def test_an_unknown_client_gets_an_error_page(rp, client, client_id):
    answer = rp.authorize(client_id=client_id or None)
    assert answer.status_code in (400, 414)
    assert "Location" not in answer.headers


@pytest.mark.parametrize(
    "params, error",
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
    ],
)
def test_bad_requests_from_a_known_app_are_sent_back_to_it(rp, signed_in, params, error):
    answer = rp.authorize(state="s2", **params)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(REDIRECT_URI)
    assert query_of(answer.headers["Location"])["error"] == error
    assert query_of(answer.headers["Location"])["state"] == "s2"


def test_a_public_app_must_use_pkce(app, client, signed_in):
    client_id, _ = make_oauth_app(app, public=True, first_party=True)
    public = RelyingParty(client, client_id, None)
    answer = public.authorize(code_challenge=None, code_challenge_method=None)
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"


def test_an_app_may_send_the_request_as_a_form(client, rp, signed_in):
    params = rp.authorize_params(state="posted")
    answer = client.post("/oauth/authorize", data=params)  # an app's form: no CSRF token
    assert answer.status_code == 303
    assert query_of(answer.headers["Location"]) == params
    consent = client.get(answer.headers["Location"])
    params = query_of(rp.consent(consent).headers["Location"])
    assert params["state"] == "posted" and params["code"]


def test_a_long_nonce_or_repeated_scopes_are_answered_not_500s(rp, signed_in):
    too_long = rp.authorize(nonce="n" * 256, state="s3")
    assert query_of(too_long.headers["Location"])["error"] == "invalid_request"
    repeated = rp.authorize(scope=" ".join(["openid", "email"] * 200))
    assert repeated.status_code == 200  # the consent page, for "openid email"


def test_a_request_too_long_to_come_back_to_is_sent_back_to_the_app(rp, client):
    answer = rp.authorize(state="s" * 1900)
    assert answer.headers["Location"].startswith(REDIRECT_URI)
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"


def test_bytes_that_are_not_utf8_are_a_400_everywhere(client, rp):
    for path, method in (
        ("/oauth/authorize", "GET"),
        ("/oauth/end-session", "GET"),
        ("/oauth/token", "POST"),
        ("/oauth/userinfo", "GET"),
        ("/oauth/introspect", "POST"),
    ):
        # Raw bytes, as a script may send them (the test client would percent-encode them).
        answer = client.open(
            path, method=method, environ_overrides={"QUERY_STRING": "client_id=%ff\xff"}
        )
        assert answer.status_code in (400, 401), (path, answer.status_code)


def test_an_unknown_address_is_offered_sign_up_and_still_comes_back_to_the_app(client, auth, rp):
    """login_hint names an address with no account: the sign-in form offers sign-up with the
    address and the way back to this authorization kept."""
    sign_in = rp.authorize(login_hint="grace@example.com").headers["Location"]
    data = {"csrf_token": csrf_token(client, "/sign-in"), "email_address": "grace@example.com"}
    refused = client.post(sign_in, data=data)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    offer = html.unescape(re.search(r'id="email-error".*?<a href="([^"]+)"', page).group(1))
    back = query_of(sign_in)["redirect_url"]
    assert offer.startswith("/sign-up?") and query_of(offer)["redirect_url"] == back
    assert client.post(offer, data=data).status_code == 302
    finished = auth.open_and_confirm("grace@example.com")
    assert finished.headers["Location"] == back
    assert 'id="consent"' in client.get(back).get_data(as_text=True)


def test_the_consent_page_names_the_site_it_runs_as(app, rp, signed_in):
    app.config["APP_NAME"] = "Acme ID"
    page = html.unescape(rp.authorize().get_data(as_text=True))
    assert "Know who you are (your Acme ID user id)" in page
    assert "Latchkey" not in page


def test_a_refused_request_is_explained_to_the_person_and_detailed_for_its_developers(rp):
    page = html.unescape(rp.authorize(client_id="nope").get_data(as_text=True))
    assert "The app that sent you here asked in a way this site cannot accept." in page
    assert re.search(r'<code lang="en">[^<]+</code>', page)  # Authlib's words, set apart
