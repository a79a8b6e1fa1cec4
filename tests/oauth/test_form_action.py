"""Pages whose form goes on to an OAuth app name its origin in CSP form-action, and only its:
form-action covers where a form's POST is redirected, and browsers block the rest (found by
tests/browser/test_example_app.py; the test client never enforces a policy)."""

from urllib.parse import urlencode

from tests.conftest import path_of
from tests.oauth.conftest import REDIRECT_URI


def form_action(response) -> str:
    return response.headers["Content-Security-Policy"].split("form-action ")[1]


def test_consent_page_may_lead_to_the_app(rp, auth, user_email):
    auth.sign_in(user_email)
    page = rp.authorize()
    assert page.status_code == 200 and 'id="consent"' in page.get_data(as_text=True)
    assert form_action(page) == "'self' http://127.0.0.1:9"


def test_link_of_a_sign_in_for_an_app_may_lead_to_it(rp, auth, mailbox, user_email):
    back = "/oauth/authorize?" + urlencode(rp.authorize_params())
    auth.start("sign-in", user_email, redirect_url=back)
    page = auth.client.get(path_of(mailbox.link(user_email)))
    assert form_action(page) == "'self' http://127.0.0.1:9"


def test_link_of_other_sign_ins_leads_to_this_site_only(rp, auth, mailbox, user_email):
    unregistered = rp.authorize_params(redirect_uri="http://127.0.0.1:8/callback")
    for back in ("/user", "/oauth/authorize?" + urlencode(unregistered)):
        auth.start("sign-in", user_email, redirect_url=back)
        page = auth.client.get(path_of(mailbox.link(user_email)))
        assert form_action(page) == "'self'"


def test_confirming_a_sign_out_may_lead_to_a_registered_uri_only(rp, client, signed_in):
    cases = [(REDIRECT_URI, "'self' http://127.0.0.1:9"), ("https://evil.test/", "'self'")]
    for uri, expected in cases:
        query = urlencode({"client_id": rp.client_id, "post_logout_redirect_uri": uri})
        page = client.get(f"/oauth/end-session?{query}")
        assert page.status_code == 200 and form_action(page) == expected


def test_a_sign_in_token_for_an_app_may_lead_to_it(app, rp, client, user_email):
    from app.auth.users import owner_of
    from tests.factory import mint_token, work

    with work(app):
        user_id = owner_of("ada@example.com").id
    back = "/oauth/authorize?" + urlencode(rp.authorize_params())
    _, token = mint_token(app, user_id, redirect_url=back)
    page = client.get(f"/accept-token?token={token}")
    assert page.status_code == 200 and form_action(page) == "'self' http://127.0.0.1:9"
    _, plain = mint_token(app, user_id, redirect_url="/user")
    assert form_action(client.get(f"/accept-token?token={plain}")) == "'self'"
