"""Home, sign-in and sign-up forms, sign-out, and the health check."""

from flask import (
    Blueprint,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask import session as cookie
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import text
from wtforms import StringField

from app import clock
from app.auth.errors import AccountNotFound, AuthError, EmailTaken
from app.auth.sessions import end_session
from app.auth.sign_in import start_sign_in
from app.auth.sign_up import start_sign_up
from app.config import INSTANCE
from app.extensions import db
from app.views.client import current_origin
from app.views.errors import retry_headers, status_of
from app.views.limits import email_rate_limit

bp = Blueprint("pages", __name__)


class EmailForm(FlaskForm):
    # Checked by the domain (one rule for every entry point), not by WTForms validators; the
    # label is the template's.
    email_address = StringField()


# flow -> (domain function, template)
FLOWS = {
    "sign_in": (start_sign_in, "auth/sign_in.html"),
    "sign_up": (start_sign_up, "auth/sign_up.html"),
}
# A refusal the other form answers (an address with an account, on sign-up; one without, on
# sign-in): the page offers that form with the address kept. Never raised under
# ENUMERATION_PROTECTION, which answers both alike.
OTHER_FORM = {EmailTaken: "pages.sign_in", AccountNotFound: "pages.sign_up"}


def _email_form_page(flow: str):
    start, template = FLOWS[flow]
    # The HTML form's fields only: Flask-WTF would also read a JSON body or uploaded files, where
    # a list, a number or a file can stand in for the address (and failed with a 500).
    form = EmailForm(formdata=request.form if request.method == "POST" else None)
    redirect_url = request.args.get("redirect_url")
    if request.method == "GET" and "email_address" in request.args:
        form.email_address.data = request.args["email_address"][:320]
    if form.validate_on_submit():
        try:
            attempt = start(
                form.email_address.data,
                current_origin(create_client=True),
                clock.now(),
                redirect_url,
            )
        except AuthError as error:
            offer = _other_form(error, form.email_address.data, redirect_url)
            page = render_template(template, form=form, error=error, offer=offer)
            return page, status_of(error), retry_headers(error)
        return redirect(url_for("waiting.page", kind=flow, attempt_id=attempt.id))
    status = 400 if form.errors else 200  # a POST that failed the CSRF check never gets here
    return render_template(template, form=form, error=None), status


def _other_form(error: AuthError, typed: str, redirect_url: str | None) -> str | None:
    """The other form's URL, the address kept, if it would take this address. redirect_url goes
    along as given: the other form checks it again before any link is made."""
    endpoint = OTHER_FORM.get(type(error))
    if endpoint is None:
        return None
    return url_for(endpoint, email_address=typed.strip(), redirect_url=redirect_url)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.route("/sign-in", methods=["GET", "POST"])
@email_rate_limit
def sign_in():
    return _email_form_page("sign_in")


@bp.route("/sign-up", methods=["GET", "POST"])
@email_rate_limit
def sign_up():
    return _email_form_page("sign_up")


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        end_session(current_user.session.id, current_origin(), clock.now())
        logout_user()
    cookie.clear()
    return redirect(url_for("pages.home"))


@bp.get("/brand/<path:filename>")
def brand(filename: str):
    """A site's own stylesheet and logo (README, "Your brand"), served from instance/brand/."""
    return send_from_directory(INSTANCE / "brand", filename)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
