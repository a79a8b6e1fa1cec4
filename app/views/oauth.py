"""The OpenID provider's pages: authorize (through Latchkey's own sign-in), consent, sign-out.

A signed-out browser is sent to /sign-in with this very authorize URL as its redirect_url: the
waiting tab that started the sign-in comes back here when the link is opened, on this device or
another, and finishes the authorization, its state and PKCE challenge intact.
"""

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import Blueprint, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, logout_user

from app import clock
from app.auth.sessions import end_session
from app.extensions import csrf
from app.oauth.applications import find_application
from app.oauth.consent import give_consent, needs_consent
from app.oauth.grants import Principal
from app.oauth.server import server
from app.views.client import current_origin
from app.views.errors import error_page
from app.views.headers import form_may_lead_to

bp = Blueprint("oauth", __name__)
SCOPE_WORDS = {
    "openid": "Know who you are (your Latchkey user id)",
    "email": "See your email address",
    "profile": "See your name",
    "offline_access": "Stay connected while you are away (until you disconnect it)",
}


def _signed_in() -> Principal | None:
    if not current_user.is_authenticated:
        return None
    session = current_user.session
    return Principal(user=session.user, session_id=session.id, auth_time=session.created_at)


def _refuse(error: OAuth2Error, redirect_uri: str, state: str | None):
    error.redirect_uri, error.state = redirect_uri, state
    raise error


def _sign_in_first():
    """To Latchkey's sign-in, coming back to this request once signed in (with a fresh
    sign-in asked for by prompt=login or max_age not asked again)."""
    params = [
        (k, v)
        for k, v in parse_qsl(request.query_string.decode())
        if k not in ("prompt", "max_age")
    ]
    back = f"{url_for('oauth.authorize')}?{urlencode(params)}"
    hint = (request.args.get("login_hint") or "")[:320] or None
    return redirect(url_for("pages.sign_in", redirect_url=back, email_address=hint))


def _too_old(principal: Principal) -> bool:
    max_age = request.args.get("max_age")
    if max_age is None:
        return False
    seconds = int(max_age) if max_age.isdigit() and len(max_age) < 10 else 0
    return clock.now() - principal.auth_time > timedelta(seconds=seconds)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    principal = _signed_in()
    try:
        grant = server().get_consent_grant(end_user=principal)
        redirect_uri = grant.redirect_uri
        state = grant.request.payload.state
        prompts = (request.args.get("prompt") or "").split()
        fresh_needed = principal is None or "login" in prompts or _too_old(principal)
        if fresh_needed and "none" in prompts:
            _refuse(LoginRequiredError(), redirect_uri, state)
        if fresh_needed and request.method == "GET":
            return _sign_in_first()
        if principal is None:  # a consent form posted by a browser since signed out
            return _sign_in_first()
        scope = grant.request.scope
        asks = "consent" in prompts or needs_consent(
            principal.user.id, grant.client.application, scope
        )
        if asks and "none" in prompts:
            _refuse(ConsentRequiredError(), redirect_uri, state)
        if request.method == "POST":
            if request.form.get("decision") != "allow":
                return server().create_authorization_response(grant=grant, grant_user=None)
            give_consent(principal.user.id, grant.client.application, scope, current_origin())
        elif asks:
            return _consent_page(grant, principal)
        return server().create_authorization_response(grant=grant, grant_user=principal)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server().handle_error_response(None, error)
        # No client, or a redirect URI not registered: never a redirect (RFC 6749 §4.1.2.1).
        return error_page(
            400, error.description or error.error, title="This sign-in link is not valid"
        )


def _consent_page(grant, principal: Principal):
    scopes = grant.request.scope.split()
    page = render_template(
        "oauth/consent.html",
        application=grant.client.application,
        scopes=[SCOPE_WORDS[s] for s in scopes if s in SCOPE_WORDS],
        user=principal.user,
        action=request.full_path,
    )
    return page, 200, {"Cache-Control": "no-store", **form_may_lead_to(grant.redirect_uri)}


@bp.route("/oauth/end-session", methods=["GET", "POST"])
@csrf.exempt  # RP-initiated logout: the RP's own GET or POST; an unproven one asks first
def end_session_request():
    try:
        ending = server().validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return error_page(400, error.description or error.error, title="Sign-out failed")
    if ending.needs_confirmation:
        posted = request.method == "POST"
        query = urlencode(request.form) if posted else request.query_string.decode()
        page = render_template(
            "oauth/end_session.html",
            application=ending.client.application if ending.client else None,
            query=query,
        )
        return page, 200, form_may_lead_to(_registered_logout_redirect(dict(parse_qsl(query))))
    _sign_out((ending.id_token_claims or {}).get("sid"))
    return server().create_endpoint_response("end_session", ending) or _signed_out_page()


@bp.post("/oauth/end-session/confirm")
def confirm_end_session():
    """The person said yes to signing out (CSRF-checked): no id_token_hint vouched for it."""
    args = dict(parse_qsl(request.form.get("query", "")))
    args.pop("id_token_hint", None)
    _sign_out(None)
    redirect_to = _registered_logout_redirect(args)
    return redirect(redirect_to) if redirect_to else _signed_out_page()


def _registered_logout_redirect(args: dict) -> str | None:
    application = find_application(args.get("client_id"))
    uri = args.get("post_logout_redirect_uri")
    if application is None or uri not in application.redirect_uris:
        return None
    state = args.get("state")
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode({'state': state})}" if state else uri


def _sign_out(session_id: str | None) -> None:
    """End the session the ID token names and, if it is this browser's, sign the browser out."""
    now = clock.now()
    if session_id:
        end_session(str(session_id), current_origin(), now)
    if current_user.is_authenticated and session_id in (None, current_user.session.id):
        end_session(current_user.session.id, current_origin(), now)
        logout_user()
        cookie.clear()


def _signed_out_page():
    return render_template("oauth/signed_out.html")
