"""An app that signs people in with Latchkey: OpenID Connect's code flow, through Authlib."""

import os
import secrets

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, redirect, render_template_string, request, session, url_for

PAGE = """<!doctype html><meta charset="utf-8"><title>Example app</title>
{% if note %}<p id="note">{{ note }}</p>{% endif %}{% if user %}
<p id="who">Signed in as {{ user.email }}{% if user.name %} ({{ user.name }}){% endif %}</p>
<ul>{% for k, v in user.items() %}<li>{{ k }}: <code id="claim-{{ k }}">{{ v }}</code>{% endfor %}
</ul><p><a href="/refresh">Refresh the access token</a> · <a href="/logout">Sign out</a></p>
{% else %}<p><a href="/login">Sign in with Latchkey</a></p>{% endif %}"""
ENVIRONMENT = ("LATCHKEY_URL", "LATCHKEY_CLIENT_ID", "LATCHKEY_CLIENT_SECRET")
SCOPE = "openid email profile offline_access"  # offline_access: a refresh token too


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        {name: os.environ.get(name) for name in ENVIRONMENT},
        SECRET_KEY=os.environ.get("EXAMPLE_SECRET_KEY") or secrets.token_hex(32),  # or one per run
        SESSION_COOKIE_NAME="example_session",  # cookies ignore ports: Latchkey's are here too
        **(config or {}),
    )
    issuer = app.config["LATCHKEY_URL"].rstrip("/")
    # Authlib reads LATCHKEY_CLIENT_ID and _SECRET from app.config, the endpoints from discovery;
    # S256 adds PKCE, and with scope openid it sends a nonce and checks the ID token carries it.
    latchkey = OAuth(app).register(
        name="latchkey",
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
    )

    def page(note=None, status=200):
        return render_template_string(PAGE, user=session.get("user"), note=note), status

    @app.get("/")
    def home():  # also where Latchkey's end-session sends the browser back, with our state
        signed_out = "state" in request.args and latchkey.validate_logout_response()
        return page("Signed out, of Latchkey too." if signed_out else None)

    @app.get("/login")
    def login():
        return latchkey.authorize_redirect(url_for("callback", _external=True))

    @app.get("/callback")
    def callback():
        # Checks state, sends the PKCE verifier, checks the ID token (signature, iss, aud, nonce).
        token = latchkey.authorize_access_token()
        session["user"] = dict(token["userinfo"])  # the ID token's claims
        session.update({k: token[k] for k in ("access_token", "refresh_token", "id_token")})
        return redirect(url_for("home"))

    @app.get("/refresh")
    def refresh():
        old = session.get("refresh_token")  # none when signed out: Latchkey says invalid_request
        new = latchkey.fetch_access_token(grant_type="refresh_token", refresh_token=old)
        # Latchkey rotates the refresh token on every use; a refresh brings no new ID token.
        session.update(access_token=new["access_token"], refresh_token=new["refresh_token"])
        info = latchkey.userinfo(token=new)
        return page(f"New access token (for {new['expires_in']} s); userinfo: {info['email']}")

    @app.get("/logout")
    def logout():
        id_token = session.get("id_token")
        session.clear()
        if not id_token:
            return redirect(url_for("home"))
        # RP-initiated logout: Latchkey ends the session the ID token names, and every token it
        # gave this app for it, then sends the browser back to this page (a registered URI).
        return latchkey.logout_redirect(url_for("home", _external=True), id_token_hint=id_token)

    @app.errorhandler(OAuthError)
    def refused(error):  # e.g. "access_denied" when the person clicked Deny
        return page(f"Latchkey said {error.error}: {error.description or ''}", 400)

    return app
