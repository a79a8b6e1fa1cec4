"""The OpenID provider's pages: authorize (through Latchkey's own sign-in), consent, sign-out.

A signed-out browser is sent to /sign-in with this very authorize URL as its redirect_url: the
waiting tab that started the sign-in comes back here when the link is opened, on this device or
another, and finishes the authorization, its state and PKCE challenge intact.
"""

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, logout_user
from joserfc import jws

from app import clock
from app.auth.redirects import MAX_URL_LENGTH
from app.auth.sessions import end_session
from app.extensions import csrf
from app.i18n import N_, _l
from app.oauth.applications import find_application
from app.oauth.consent import give_consent, needs_consent
from app.oauth.grants import Principal
from app.oauth.server import server
from app.views.client import current_origin
from app.views.errors import error_page
from app.views.headers import allow_form_target

bp = Blueprint("oauth", __name__)
# What each scope lets an app do, in the consent page's list (%(site)s: APP_NAME).
SCOPE_WORDS = {
    "openid": N_("Know who you are (your %(site)s user id)"),
    "email": N_("See your email address"),
    "profile": N_("See your name"),
    "offline_access": N_(
        "Stay signed in while you are away, as long as your %(site)s session lasts"
    ),
}
# A request whose refusal cannot go back to the app (no client, a redirect URI not registered,
# bytes that are not UTF-8): a page for the person, Authlib's words set apart for developers.
NOT_VALID = _l("This sign-in link is not valid")
ASKED_WRONGLY = _l(
    "The app that sent you here asked in a way this site cannot accept. Go back to it and try "
    "again, or tell its developers."
)


def _signed_in() -> Principal | None:
    if not current_user.is_authenticated:
        return None
    session = current_user.session
    return Principal(user=session.user, session_id=session.id, auth_time=session.created_at)


def _refuse(error: OAuth2Error, redirect_uri: str, state: str | None):
    error.redirect_uri, error.state = redirect_uri, state
    raise error


def _sign_in_first(redirect_uri: str, state: str | None):
    """To Latchkey's sign-in, coming back to this request once signed in (with a fresh
    sign-in asked for by prompt=login or max_age not asked again)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in ("prompt", "max_age")]
    back = f"{url_for('oauth.authorize')}?{urlencode(params)}"
    if len(back) > MAX_URL_LENGTH:  # what a sign-in keeps of where to go next
        _refuse(InvalidRequestError("The authorization request is too long."), redirect_uri, state)
    hint = (request.args.get("login_hint") or "")[:320] or None
    return redirect(url_for("pages.sign_in", redirect_url=back, email_address=hint))


def _too_old(principal: Principal) -> bool:
    max_age = request.args.get("max_age")
    if max_age is None:
        return False
    seconds = int(max_age) if max_age.isdigit() and len(max_age) < 10 else 0
    return clock.now() - principal.auth_time > timedelta(seconds=seconds)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
@csrf.exempt  # an app's own form (OIDC Core §3.1.2.1): answered by the same request as a GET
def authorize():
    if request.method == "POST":
        query = urlencode(list(request.form.items(multi=True)))
        return redirect(f"{url_for('oauth.authorize')}?{query}", 303)
    return _authorize(decision=None)


@bp.post("/oauth/authorize/consent")
def consent():
    """The consent form's answer (CSRF-checked), with the authorization request in its URL."""
    return _authorize(decision=request.form.get("decision"))


def _authorize(decision: str | None):
    principal = _signed_in()
    try:
        grant = server().get_consent_grant(end_user=principal)
        redirect_uri = grant.redirect_uri
        state = grant.request.payload.state
        prompts = (request.args.get("prompt") or "").split()
        fresh_needed = principal is None or "login" in prompts or _too_old(principal)
        if fresh_needed and "none" in prompts:
            _refuse(LoginRequiredError(), redirect_uri, state)
        if fresh_needed and decision is None:
            return _sign_in_first(redirect_uri, state)
        if principal is None:  # a consent form posted by a browser since signed out
            return _sign_in_first(redirect_uri, state)
        scope = grant.request.scope
        asks = "consent" in prompts or needs_consent(
            principal.user.id, grant.client.application, scope
        )
        if asks and "none" in prompts:
            _refuse(ConsentRequiredError(), redirect_uri, state)
        if decision is not None:
            if decision != "allow":
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
            400, ASKED_WRONGLY, title=NOT_VALID, detail=error.description or error.error
        )
    except ValueError:
        # Authlib refuses to quote characters an OAuth error may not carry (RFC 6749 §5.2),
        # such as a response_type in another alphabet, and bytes that are not UTF-8 fail to
        # decode (a ValueError too): nothing to send back, so a page.
        return error_page(400, ASKED_WRONGLY, title=NOT_VALID)


def _consent_page(grant, principal: Principal):
    scopes = grant.request.scope.split()
    allow_form_target(grant.redirect_uri)  # Allow and Deny both answer the app there
    page = render_template(
        "oauth/consent.html",
        application=grant.client.application,
        scopes=[
            _l(SCOPE_WORDS[s], site=current_app.config["APP_NAME"])
            for s in scopes
            if s in SCOPE_WORDS
        ],
        user=principal.user,
        action=f"{url_for('oauth.consent')}?{request.query_string.decode()}",
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/oauth/end-session", methods=["GET", "POST"])
@csrf.exempt  # RP-initiated logout: the RP's own GET or POST; an unproven one asks first
def end_session_request():
    try:
        ending = server().validate_endpoint_request("end_session")
    except OAuth2Error as error:
        message = _l(
            "The app that sent you here asked to sign you out in a way this site cannot "
            "accept, so nothing was done."
        )
        title = _l("Sign-out failed")
        return error_page(400, message, title=title, detail=error.description or error.error)
    signed_in = current_user.is_authenticated
    if signed_in and not _vouched_for_this_browser(ending):
        # RP-initiated logout §2: without an ID token of this browser's own session, ask. A
        # stranger's link must not sign anybody out, nor any JWT of ours that names a sid.
        posted = request.method == "POST"
        query = urlencode(request.form) if posted else request.query_string.decode()
        # Its form goes on to the app's registered post_logout_redirect_uri, if it named one.
        allow_form_target(_registered_logout_redirect(dict(parse_qsl(query))))
        return render_template(
            "oauth/end_session.html",
            application=ending.client.application if ending.client else None,
            query=query,
        )
    if signed_in:
        _sign_out()
    elif ending.redirect_uri is None:
        # Signed out already: nothing happens here, so going back to a URI the app registered
        # needs no ID token to vouch for it.
        registered = _registered_logout_redirect(request.values.to_dict())
        return redirect(registered) if registered else _signed_out_page()
    return server().create_endpoint_response("end_session", ending) or _signed_out_page()


def _vouched_for_this_browser(ending) -> bool:
    """Whether the id_token_hint is an ID token (not an access token) of this browser's session."""
    claims = ending.id_token_claims
    if not claims or claims.get("sid") != current_user.session.id or "aud" not in claims:
        return False
    hint = request.values.get("id_token_hint", "")
    return jws.extract_compact(hint.encode()).headers().get("typ") != "at+jwt"


@bp.post("/oauth/end-session/confirm")
def confirm_end_session():
    """The person said yes to signing out (CSRF-checked): no id_token_hint vouched for it."""
    args = dict(parse_qsl(request.form.get("query", "")))
    args.pop("id_token_hint", None)
    if current_user.is_authenticated:
        _sign_out()
    redirect_to = _registered_logout_redirect(args)
    return redirect(redirect_to) if redirect_to else _signed_out_page()


def _registered_logout_redirect(args: dict) -> str | None:
    application = find_application(args.get("client_id"))
    uri = args.get("post_logout_redirect_uri")
    if application is None or uri not in application.redirect_uris:
        return None
    state = args.get("state")
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode({'state': state})}" if state else uri


def _sign_out() -> None:
    """This browser's session ends, and every token tied to it with it."""
    end_session(current_user.session.id, current_origin(), clock.now())
    logout_user()
    cookie.clear()


@bp.errorhandler(UnicodeDecodeError)
def undecodable(error):
    # Authlib decodes the query string itself: bytes that are not UTF-8 are the request's fault.
    return error_page(400, ASKED_WRONGLY, title=_l("This request is not valid"))


def _signed_out_page():
    return render_template("oauth/signed_out.html")
