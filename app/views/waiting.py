"""The waiting pages: "Check your email", resend, cancel, and finishing on this browser."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app import clock
from app.auth.activation import activate_attempt
from app.auth.attempt_views import newest_email, view_attempt
from app.auth.attempts import cancel_attempt, find_attempt, resend_link
from app.auth.email_codes import MAX_WRONG_CODES, redeem_code
from app.auth.email_links import shown_match_number
from app.auth.errors import (
    AttemptClosed,
    AuthError,
    CodeAlreadyUsed,
    CodeExpired,
    CodeIncorrect,
    CodeMalformed,
    CodeReplaced,
    NoCode,
    NotFound,
    RateLimited,
)
from app.auth.settings import setting
from app.i18n import N_
from app.oauth.applications import asking_app_name, asking_app_redirect_uri
from app.views.client import current_origin, spender_origin
from app.views.errors import retry_headers, status_of
from app.views.frontend_api import deliver_if_overdue, page_state
from app.views.headers import allow_form_target
from app.views.limits import code_rate_limit, email_rate_limit
from app.views.login import sign_in_browser

bp = Blueprint("waiting", __name__)
LINK_RESENT = N_("We sent a new link. Links and codes in earlier emails no longer work.")


def after_sign_in_url(attempt) -> str:
    return attempt.redirect_url or url_for("profile.index")


def script_words() -> dict:
    """What waiting.js may have to say, in the reader's language. The /api answers it reads are
    English (SPEC §11), so it tells their refusals by code, in the domain's own words; "%(wait)s"
    it fills in itself (Retry-After, the cooldown) as a duration in the page's language."""
    closed = str(AttemptClosed.message)
    return {
        "resent": gettext(LINK_RESENT),
        "resendIn": gettext("You can resend in %(wait)s."),
        "unreachable": gettext(
            "We could not reach the server. Check your connection and try again."
        ),
        "failed": gettext("Something went wrong. Reload this page and try again."),
        # 429s, all answered with Retry-After: the domain's limits say which (meta.reason);
        # the per-IP limits do not, and are said per form.
        "tooManyEmails": gettext(RateLimited.MESSAGES["emails"]),
        "tooManyCodes": gettext("Too many codes were entered. Try again in %(wait)s."),
        "reasons": {
            **{reason: gettext(text) for reason, text in RateLimited.MESSAGES.items()},
            "no_code": str(NoCode.message),
        },
        # A wrong code says how many tries are left (its meta.tries_left): the words per count.
        "triesLeft": [str(CodeIncorrect(left).message) for left in range(MAX_WRONG_CODES)],
        "errors": {
            "form_param_format_invalid": str(CodeMalformed.message),
            "form_code_incorrect": str(CodeReplaced.message),  # right, but an earlier email's
            "verification_expired": str(CodeExpired.message),
            "verification_already_verified": str(CodeAlreadyUsed.message),
            "verification_failed": closed,  # the page then shows why (waiting.js asks)
            "attempt_closed": closed,
        },
    }


def render_waiting_page(
    attempt, urls: dict, error: AuthError | None = None, app_name: str | None = None
):
    """The "Check your email" page of any flow, in the state its JSON would give; `app_name`:
    the OAuth app the person goes on to, if any."""
    now = clock.now()
    last_email = newest_email(attempt.id)
    # Not on a refusal's page: its work is rolled back, and must not be committed first.
    if error is None and deliver_if_overdue(last_email, now):
        last_email = newest_email(attempt.id)
    view = view_attempt(attempt, now, last_email)
    status = status_of(error) if error else 200
    headers = retry_headers(error) if error else {}
    page = render_template(
        "auth/waiting.html",
        view=view,
        state=page_state(view),
        urls=urls,
        now=now,
        error=error,
        codes=setting("EMAIL_CODE_ENABLED"),
        match_number=shown_match_number(attempt),
        words=script_words(),
        app_name=app_name,
    )
    return page, status, headers


def render_waiting(kind: str, attempt_id: str, error: AuthError | None = None):
    attempt = find_attempt(kind, attempt_id, current_origin().client_id)
    ids = {"kind": kind, "attempt_id": attempt.id}
    urls = {
        "page": url_for("waiting.page", **ids),  # after a refused code, the page is a POST's
        "status": url_for("frontend_api.show", **ids),
        "resend_api": url_for("frontend_api.resend", **ids),
        "resend": url_for("waiting.resend", **ids),
        "cancel": url_for("waiting.cancel", **ids),
        "finish": url_for("waiting.finish", **ids),
        "code": url_for("waiting.enter_code", **ids),
        "code_api": url_for("frontend_api.enter_code", **ids),
        "continue": after_sign_in_url(attempt),
        "start_again": url_for(f"pages.{attempt.kind}", email_address=attempt.email),
    }
    # The code form signs this browser in and goes on to redirect_url: for an app that needs no
    # consent, /oauth/authorize answers it at once at the app's redirect URI (CSP form-action).
    allow_form_target(asking_app_redirect_uri(attempt.redirect_url))
    return render_waiting_page(attempt, urls, error, app_name=asking_app_name(attempt.redirect_url))


@bp.get("/<kind:kind>/<attempt_id>")
def page(kind: str, attempt_id: str):
    return render_waiting(kind, attempt_id)


@bp.post("/<kind:kind>/<attempt_id>/resend")
@email_rate_limit
def resend(kind: str, attempt_id: str):
    try:
        resend_link(kind, attempt_id, current_origin(), clock.now())
    except AuthError as error:
        if isinstance(error, NotFound):
            raise
        return render_waiting(kind, attempt_id, error)
    flash(gettext(LINK_RESENT), "success")
    return redirect(url_for("waiting.page", kind=kind, attempt_id=attempt_id))


@bp.post("/<kind:kind>/<attempt_id>/code")
@code_rate_limit
def enter_code(kind: str, attempt_id: str):
    """The code from the email, typed here without JS: signed in here, as by the link."""
    attempt = find_attempt(kind, attempt_id, current_origin().client_id)
    try:
        completion = redeem_code(attempt, request.form.get("code"), spender_origin(), clock.now())
    except AuthError as error:
        if isinstance(error, NotFound):
            raise
        return render_waiting(kind, attempt_id, error)
    sign_in_browser(completion.session)
    return redirect(after_sign_in_url(completion.attempt))


@bp.post("/<kind:kind>/<attempt_id>/cancel")
def cancel(kind: str, attempt_id: str):
    attempt = cancel_attempt(kind, attempt_id, current_origin(), clock.now())
    flash(gettext("Cancelled. The link we sent no longer works."), "info")
    return redirect(url_for(f"pages.{kind}", email_address=attempt.email))


@bp.get("/<kind:kind>/<attempt_id>/continue")
def finish(kind: str, attempt_id: str):
    """Where the waiting tab goes once the link was approved: its own session, then onward."""
    origin = current_origin()
    attempt = find_attempt(kind, attempt_id, origin.client_id)
    if attempt.activated_at and current_user.is_authenticated:
        # Finished already, in this browser (same-client link, or a second click).
        return redirect(after_sign_in_url(attempt))
    try:
        completion = activate_attempt(kind, attempt_id, origin, clock.now())
    except AuthError as error:
        return render_waiting(kind, attempt_id, error)
    sign_in_browser(completion.session)
    return redirect(after_sign_in_url(completion.attempt))
