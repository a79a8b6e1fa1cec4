"""OpenID provider fixtures: an app, PKCE, and a browser (test client) that authorizes."""

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factory import make_oauth_app, make_user

REDIRECT_URI = "http://127.0.0.1:9/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class RelyingParty:
    """One OAuth application and what it would send; the test client is the browser."""

    def __init__(self, client, client_id, secret, redirect_uri=REDIRECT_URI):
        self.client, self.client_id, self.secret = client, client_id, secret
        self.redirect_uri = redirect_uri
        self.verifier, self.challenge = pkce()

    def authorize_params(self, **extra) -> dict:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid email profile offline_access",
            "state": "st-" + secrets.token_urlsafe(8),
            "nonce": "n-" + secrets.token_urlsafe(8),
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **extra):
        return self.client.get("/oauth/authorize", query_string=self.authorize_params(**extra))

    def consent(self, response, decision="allow"):
        page = response.get_data(as_text=True)
        action = re.search(r'<form id="consent" method="post" action="([^"]+)"', page).group(1)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.client.post(
            action.replace("&amp;", "&"), data={"csrf_token": token, "decision": decision}
        )

    def code_from(self, response) -> str:
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith(self.redirect_uri), location
        return query_of(location)["code"]

    def token(self, **data):
        auth = (self.client_id, self.secret) if self.secret else None
        if not self.secret:
            data.setdefault("client_id", self.client_id)
        return self.client.post("/oauth/token", data=data, auth=auth)

    def exchange(self, issued_code, **extra):
        data = {
            "grant_type": "authorization_code",
            "code": issued_code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        data.update(extra)
        return self.token(**{k: v for k, v in data.items() if v is not None})


@pytest.fixture
def rp(app, client):
    client_id, secret = make_oauth_app(app)
    return RelyingParty(client, client_id, secret)


@pytest.fixture
def signed_in(app, auth):
    """The test client signed in to Latchkey, through one email link, as an existing account's
    address (made through the domain: the sign-up loop has tests of its own)."""
    email = "ada@example.com"
    make_user(app, email)
    auth.sign_in(email)
    return email


def issue_tokens(rp, **authorize_params) -> dict:
    """Authorize (consenting when asked) and exchange the code: the token response's JSON."""
    response = rp.authorize(**authorize_params)
    if response.status_code == 200:
        response = rp.consent(response)
    answer = rp.exchange(rp.code_from(response))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
