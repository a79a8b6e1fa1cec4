"""/user: the signed-in person's name, email addresses, sessions and apps, and deleting it all."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required, logout_user

from app import clock
from app.auth import email_addresses, own_account
from app.auth.attempts import resend_link
from app.auth.email_codes import redeem_code
from app.auth.email_verification import (
    cancel_email_verification,
    start_email_verification,
)
from app.auth.errors import AuthError
from app.auth.sessions import get_session, list_sessions, revoke_session, sign_out_other_sessions
from app.models.attempts import EMAIL_ADDRESS
from app.models.sessions import ACTIVE
from app.oauth.consent import connected_applications, disconnect
from app.unit_of_work import doom
from app.views.client import current_origin, spender_origin
from app.views.errors import status_of
from app.views.frontend_api import own_verification
from app.views.headers import no_store
from app.views.limits import code_rate_limit, email_rate_limit
from app.views.waiting import LINK_RESENT, render_waiting_page

bp = Blueprint("profile", __name__, url_prefix="/user")


bp.after_request(no_store)


@bp.before_request
@login_required
def guard():
    """Every /user page needs a signed-in browser."""


def render_profile(section: str | None = None, error: AuthError | None = None):
    """The profile; a refused form (`section`: "name" or "email") keeps what was typed and
    says why."""
    user = current_user.user
    sessions, _ = list_sessions(user_id=user.id, status=ACTIVE)
    page = render_template(
        "profile/index.html",
        user=user,
        sessions=sessions,
        this_session=current_user.session.id,
        connected=connected_applications(user.id),
        errors={section: error} if error else {},
        form=request.form,
        now=clock.now(),
    )
    return page, status_of(error) if error else 200


def done(message, category: str = "success"):
    if category == "error":
        doom()  # a refusal, told after a redirect: nothing of the refused change may stay
    flash(str(message), category)  # a lazy message becomes words now: the cookie keeps text
    return redirect(url_for("profile.index"))


@bp.get("")
def index():
    return render_profile()


@bp.post("/name")
def change_name():
    try:
        own_account.change_name(
            current_user.user,
            request.form.get("first_name"),
            request.form.get("last_name"),
            current_origin(),
        )
    except AuthError as error:
        return render_profile("name", error)
    return done(gettext("Saved your name."))


@bp.post("/email-addresses")
@email_rate_limit
def add_email_address():
    typed = request.form.get("email_address", "")
    try:
        attempt = start_email_verification(
            current_user.user, typed, current_origin(create_client=True), clock.now()
        )
    except AuthError as error:
        return render_profile("email", error)
    return redirect(url_for("profile.email_address", address_id=attempt.email_address_id))


def render_verification(address_id: str, error: AuthError | None = None):
    attempt = own_verification(address_id)
    ids = {"address_id": address_id}
    urls = {
        "page": url_for("profile.email_address", **ids),
        "status": url_for("frontend_api.show_email_address", **ids),
        "resend_api": url_for("frontend_api.resend_email_address", **ids),
        "resend": url_for("profile.resend", **ids),
        "cancel": url_for("profile.cancel", **ids),
        "finish": None,
        "code": url_for("profile.enter_code", **ids),
        "code_api": url_for("frontend_api.enter_email_address_code", **ids),
        "continue": url_for("profile.index"),
        "start_again": url_for("profile.index"),
    }
    return render_waiting_page(attempt, urls, error)


@bp.get("/email-addresses/<address_id>")
def email_address(address_id: str):
    return render_verification(address_id)


@bp.post("/email-addresses/<address_id>/resend")
@email_rate_limit
def resend(address_id: str):
    attempt = own_verification(address_id)
    try:
        resend_link(EMAIL_ADDRESS, attempt.id, current_origin(), clock.now())
    except AuthError as error:
        return render_verification(address_id, error)
    flash(gettext(LINK_RESENT), "success")
    return redirect(url_for("profile.email_address", address_id=address_id))


@bp.post("/email-addresses/<address_id>/code")
@code_rate_limit
def enter_code(address_id: str):
    attempt = own_verification(address_id)
    try:
        redeem_code(attempt, request.form.get("code"), spender_origin(), clock.now())
    except AuthError as error:
        return render_verification(address_id, error)
    return done(gettext("Verified. %(email)s is now on your account.", email=attempt.email))


@bp.post("/email-addresses/<address_id>/cancel")
def cancel(address_id: str):
    cancel_email_verification(own_verification(address_id), current_origin(), clock.now())
    return done(gettext("Cancelled. The address was removed."), "info")


def _own_address(address_id: str):
    return email_addresses.get_email_address(address_id, current_user.user.id)


@bp.post("/email-addresses/<address_id>/verify")
@email_rate_limit
def verify(address_id: str):
    """Send a new link for an address added earlier (perhaps from another browser)."""
    address = _own_address(address_id)
    try:
        start_email_verification(
            current_user.user, address.email, current_origin(create_client=True), clock.now()
        )
    except AuthError as error:
        return done(error.message, "error")
    return redirect(url_for("profile.email_address", address_id=address_id))


def change_address(address, change, success: str):
    """Apply a domain change to one of the user's addresses; its refusal becomes the flash."""
    try:
        change(address, current_origin(), current_user.user.id)
    except AuthError as error:
        return done(error.message, "error")
    return done(success)


@bp.post("/email-addresses/<address_id>/primary")
def make_primary(address_id: str):
    address = _own_address(address_id)
    success = gettext("%(email)s is now your primary address.", email=address.email)
    return change_address(address, email_addresses.make_primary, success)


@bp.post("/email-addresses/<address_id>/remove")
def remove(address_id: str):
    address = _own_address(address_id)
    success = gettext("%(email)s was removed.", email=address.email)
    return change_address(address, email_addresses.remove_email_address, success)


@bp.post("/sessions/<session_id>/revoke")
def revoke(session_id: str):
    session = get_session(session_id, current_user.user.id)
    revoke_session(session, clock.now(), current_origin(), current_user.user.id)
    return done(gettext("That browser is signed out."))


@bp.post("/sessions/revoke-others")
def revoke_others():
    count = sign_out_other_sessions(
        current_user.user.id, current_user.session.id, clock.now(), current_origin()
    )
    return done(
        ngettext(
            "Signed out of %(num)d other browser.", "Signed out of %(num)d other browsers.", count
        )
    )


@bp.post("/connected-apps/<client_id>/disconnect")
def disconnect_app(client_id: str):
    """The app loses this person's consent and every token it holds for them."""
    disconnect(current_user.user.id, client_id, current_origin(), clock.now())
    return done(gettext("Disconnected. The app must ask you again to sign you in."))


@bp.get("/delete")
def confirm_delete():
    """The confirmation step: it names the account and what goes with it, or why it cannot."""
    user = current_user.user
    refusal = own_account.refusal_to_delete(user)
    return render_template("profile/delete.html", user=user, refusal=refusal)


@bp.post("/delete")
def delete():
    user = current_user.user
    email = user.primary_email
    try:
        own_account.delete_own_account(user, current_origin())
    except AuthError as error:
        page = render_template("profile/delete.html", user=user, refusal=error)
        return page, status_of(error)
    logout_user()
    cookie.clear()  # a fresh cookie session, which carries only the farewell below
    flash(gettext("Your account %(email)s was deleted.", email=email), "success")
    return redirect(url_for("pages.home"))
