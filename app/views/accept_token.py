"""/accept-token: GET shows "Signing you in…" and spends nothing; POST spends the token."""

from flask import Blueprint, g, redirect, render_template, request, url_for

from app import clock
from app.auth.errors import TokenError, TokenInvalid
from app.auth.sign_in_tokens import accept_sign_in_token, check_sign_in_token
from app.oauth.applications import asking_app_redirect_uri
from app.views.client import current_origin, spender_origin
from app.views.errors import status_of
from app.views.headers import allow_form_target
from app.views.limits import token_rate_limit
from app.views.login import sign_in_browser

bp = Blueprint("accept_token", __name__)


@bp.before_request
def token_page():
    g.token_page = True


def token_error_page(error: TokenError):
    page = render_template("auth/token_error.html", error=error)
    return page, status_of(error)


@bp.get("/accept-token")
@token_rate_limit
def show():
    token = request.args.get("token")
    if not token:
        return token_error_page(TokenInvalid())  # a link cut short before its token
    try:
        row = check_sign_in_token(token, current_origin(), clock.now())
    except TokenError as error:
        return token_error_page(error)
    # Its form signs this browser in and goes on to redirect_url: through /oauth/authorize, a
    # first-party app's redirect URI answers it.
    allow_form_target(asking_app_redirect_uri(row.redirect_url))
    return render_template("auth/accept_token.html", token=token)


@bp.post("/accept-token")
@token_rate_limit
def accept():
    try:
        acceptance = accept_sign_in_token(request.form.get("token"), spender_origin(), clock.now())
    except TokenError as error:
        return token_error_page(error)
    sign_in_browser(acceptance.session)
    # Without a redirect_url, /user says "Signed in as <user id>".
    return redirect(acceptance.token.redirect_url or url_for("profile.index"))
