"""/verify: GET shows what the link is for and spends nothing; POST spends it."""

from flask import Blueprint, g, redirect, render_template, request

from app import clock
from app.auth.email_links import (
    consume_email_link,
    deny_email_link,
    needs_number,
    open_email_link,
)
from app.auth.errors import LinkError, NumberMissing
from app.auth.user_agents import describe
from app.auth.users import account_joined_by
from app.oauth.applications import asking_app_redirect_uri
from app.views.client import current_origin, spender_origin
from app.views.errors import status_of
from app.views.headers import allow_form_target
from app.views.limits import token_rate_limit
from app.views.login import sign_in_browser
from app.views.waiting import after_sign_in_url

bp = Blueprint("verify", __name__)


@bp.before_request
def token_page():
    g.token_page = True


def link_error_page(error: LinkError):
    attempt = getattr(error, "attempt", None)
    page = render_template("auth/link_error.html", error=error, attempt=attempt)
    return page, status_of(error)


def render_link_page(token: str, attempt, same_client: bool, error: NumberMissing | None = None):
    if same_client:
        # Its form signs this browser in and goes on to redirect_url: for an app that needs no
        # consent, /oauth/authorize answers it at once at its redirect URI.
        allow_form_target(asking_app_redirect_uri(attempt.redirect_url))
    template = "auth/verify_same_client.html" if same_client else "auth/verify_approve.html"
    page = render_template(
        template,
        token=token,
        attempt=attempt,
        requester=describe(attempt.requester_user_agent),
        account=account_joined_by(attempt),
        ask_number=needs_number(attempt, same_client),
        error=error,
        now=clock.now(),
    )
    return page, status_of(error) if error else 200


@bp.get("/verify")
@token_rate_limit
def show():
    token = request.args.get("token")
    try:
        opened = open_email_link(token, current_origin(), clock.now())
    except LinkError as error:
        return link_error_page(error)
    return render_link_page(token, opened.attempt, opened.same_client)


@bp.post("/verify")
@token_rate_limit
def consume():
    token, origin = request.form.get("token"), spender_origin()
    try:
        completion = consume_email_link(token, origin, clock.now(), request.form.get("number"))
    except LinkError as error:
        return link_error_page(error)
    except NumberMissing as error:
        return render_link_page(token, error.attempt, False, error)
    attempt = completion.attempt
    if completion.session is not None:
        sign_in_browser(completion.session)
        return redirect(after_sign_in_url(attempt))
    return render_template("auth/verify_done.html", attempt=attempt)


@bp.post("/verify/deny")
@token_rate_limit
def deny():
    """ "This wasn't me": the request ends, and its waiting tab says so."""
    try:
        attempt = deny_email_link(request.form.get("token"), spender_origin(), clock.now())
    except LinkError as error:
        return link_error_page(error)
    return render_template("auth/verify_denied.html", attempt=attempt)
