"""Hypothesis on the OpenID provider: any query to /oauth/authorize, any body to the token,
introspection, revocation and userinfo endpoints. No 5xx; an error is an OAuth error (JSON with
`error`) or a page that says why; a redirect goes only to the app's registered URI or to
Latchkey's own sign-in; the issued tokens still work afterwards (a miss spent nothing)."""

import base64

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import TEXT, WIRE, form_bodies, fuzzing, on_the_wire, url
from tests.oauth.conftest import REDIRECT_URI, bearer, issue_tokens

FIELDS = (
    "grant_type code redirect_uri code_verifier refresh_token client_id client_secret scope "
    "token token_type_hint"
).split()


def assert_oauth_answer(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400 and response.mimetype == "application/json":
        assert response.get_json()["error"], response.get_data(as_text=True)


def good_or_fuzz(*good: str):
    return st.one_of(st.sampled_from([value.encode() for value in good]), WIRE)


def one_of_or_fuzz(*good: str):
    """For a query parameter: a good value, any bytes, or left out."""
    return st.one_of(good_or_fuzz(*good), st.none())


@given(data=st.data())
@fuzzing(max_examples=80)
def test_authorize_answers_any_query_and_redirects_only_where_it_may(data, client, rp, signed_in):
    query = {
        "response_type": data.draw(one_of_or_fuzz("code", "token")),
        "client_id": data.draw(one_of_or_fuzz(rp.client_id)),
        "redirect_uri": data.draw(one_of_or_fuzz(REDIRECT_URI, REDIRECT_URI + "/")),
        "scope": data.draw(one_of_or_fuzz("openid email", "openid offline_access", "x")),
        "state": data.draw(st.one_of(st.none(), on_the_wire(TEXT))),
        "nonce": data.draw(st.one_of(st.none(), on_the_wire(TEXT))),
        "code_challenge": data.draw(one_of_or_fuzz(rp.challenge)),
        "code_challenge_method": data.draw(one_of_or_fuzz("S256", "plain")),
        "prompt": data.draw(one_of_or_fuzz("none", "login", "consent", "none login")),
        "max_age": data.draw(one_of_or_fuzz("0", "60", "-1", "99999999999999999999")),
        "login_hint": data.draw(st.one_of(st.none(), on_the_wire(TEXT))),
    }
    response = client.get(url("/oauth/authorize", query))
    assert_oauth_answer(response)
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        assert location.startswith((REDIRECT_URI + "?", "/sign-in?")), location


@given(data=st.data())
@fuzzing(max_examples=80)
def test_the_machine_endpoints_answer_any_body(data, client, rp, signed_in):
    tokens = getattr(rp, "fuzz_tokens", None) or issue_tokens(rp)
    rp.fuzz_tokens = tokens
    fields = {name: WIRE for name in FIELDS}
    fields["token"] = good_or_fuzz(tokens["access_token"], tokens["refresh_token"], "junk")
    fields["grant_type"] = good_or_fuzz("authorization_code", "refresh_token", "password")
    fields["id_token_hint"] = good_or_fuzz(tokens["id_token"][:-4] + "AAAA", "a.b.c")
    fields["post_logout_redirect_uri"] = good_or_fuzz(REDIRECT_URI, "http://evil.example/")
    body = data.draw(form_bodies(fields))
    path = data.draw(
        st.sampled_from(
            [
                "/oauth/token",
                "/oauth/introspect",
                "/oauth/revoke",
                "/oauth/userinfo",
                "/oauth/end-session",
            ]
        )
    )
    basic = base64.b64encode(f"{rp.client_id}:{rp.secret}".encode()).decode()
    authorization = data.draw(
        st.sampled_from(
            [None, f"Basic {basic}", "Basic !!!", "Bearer junk", f"Bearer {tokens['access_token']}"]
        )
    )
    headers = {"Authorization": authorization} if authorization else {}
    if body.content_type and not body.files:
        headers["Content-Type"] = body.content_type
    response = client.open(path, method="POST", data=body.files or body.data, headers=headers)
    assert_oauth_answer(response)
    if response.status_code in (301, 302, 303, 307, 308):
        assert response.headers["Location"].startswith(REDIRECT_URI), response.headers["Location"]
    if path != "/oauth/revoke":
        # Nothing spent the tokens by mistake (a revoke may end them: that is its job).
        userinfo = client.get("/oauth/userinfo", headers=bearer(tokens["access_token"]))
        if userinfo.status_code == 401:
            rp.fuzz_tokens = None  # revoked by an earlier example's revoke
    else:
        rp.fuzz_tokens = None
