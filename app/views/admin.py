"""/admin: users (list, create), and on a user's page their addresses, sign-in tokens, sessions,
admin rights, ban and delete."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app import clock
from app.auth import accounts, admins, email_addresses, sessions, sign_in_tokens
from app.auth.errors import AuthError, FormParamInvalid
from app.extensions import login_manager
from app.i18n import _l
from app.views.admin_user_page import act, render_user
from app.views.client import current_origin
from app.views.errors import status_of
from app.views.headers import no_store
from app.views.limits import email_rate_limit
from app.views.paging import Page, requested_page, search_term

bp = Blueprint("admin", __name__, url_prefix="/admin")
USERS_PER_PAGE = 25


def admin_required(view):
    """Signed-out visitors go to sign-in (and come back); signed-in non-admins get a 403 page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


bp.after_request(no_store)


@bp.before_request
@admin_required
def guard():
    """Every /admin page is for admins only."""


def admin_id() -> str:
    """The signed-in admin: every change is written to the audit log under this id."""
    return current_user.user.id


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
def users():
    return render_users()


def render_users(error: AuthError | None = None):
    """The list and the create form; `error` is a refused new user's, shown with what was typed."""
    search = search_term("q", 320)
    page = requested_page(USERS_PER_PAGE)
    found, total = accounts.list_users(
        accounts.UserQuery(query=search, limit=page.size, offset=page.offset)
    )
    page = Page(page.number, page.size, total)
    listing = render_template(
        "admin/users.html", users=found, page=page, search=search, error=error, form=request.form
    )
    return listing, status_of(error) if error else 200


@bp.post("/users")
def create_user():
    """A new user with a verified address, as `flask users create` makes one."""
    try:
        user = admins.create_user_as_admin(
            request.form.get("email_address", ""),
            clock.now(),
            is_admin=request.form.get("is_admin") == "on",
            origin=current_origin(),
            actor_id=admin_id(),
        )
    except AuthError as error:
        return render_users(error)
    flash(
        gettext("Created %(email)s: the address is verified.", email=user.primary_email), "success"
    )
    return redirect(url_for("admin.user", user_id=user.id))


@bp.get("/users/<id:user_id>")
def user(user_id: str):
    return render_user(accounts.get_user(user_id))


@bp.post("/users/<id:user_id>/email-addresses")
@email_rate_limit
def add_email_address(user_id: str):
    user = accounts.get_user(user_id)
    typed = request.form.get("email_address", "")
    choice = request.form.get("verification")
    if choice == "link":
        return act(
            user,
            "add_address",
            lambda: accounts.send_verification_link(
                user,
                typed,
                clock.now(),
                current_origin(create_client=True),
                admin_id(),
                primary=request.form.get("primary") == "on",
            ),
            gettext(
                "Sent a verification link to %(email)s: it is verified once the link is opened.",
                email=typed.strip(),
            ),
        )
    # Vouching for an address takes the admin's explicit choice; anything else adds it unverified.
    verified = choice == "verified"
    return act(
        user,
        "add_address",
        lambda: email_addresses.add_email_address(
            user,
            typed,
            clock.now(),
            verified=verified,
            primary=request.form.get("primary") == "on",
            origin=current_origin(),
            actor_id=admin_id(),
        ),
        gettext("Added %(email)s, verified.", email=typed.strip())
        if verified
        else gettext("Added %(email)s, not yet verified.", email=typed.strip()),
    )


def _address(user_id: str, address_id: str):
    user = accounts.get_user(user_id)
    return user, email_addresses.get_email_address(address_id, user.id)


@bp.post("/users/<id:user_id>/email-addresses/<id:address_id>/verify")
def verify_email_address(user_id: str, address_id: str):
    user, address = _address(user_id, address_id)
    return act(
        user,
        "addresses",
        lambda: email_addresses.mark_verified(address, clock.now(), current_origin(), admin_id()),
        gettext("Marked %(email)s as verified.", email=address.email),
    )


@bp.post("/users/<id:user_id>/email-addresses/<id:address_id>/make-primary")
def make_primary(user_id: str, address_id: str):
    user, address = _address(user_id, address_id)
    return act(
        user,
        "addresses",
        lambda: email_addresses.make_primary(address, current_origin(), admin_id()),
        gettext("%(email)s is now the primary address.", email=address.email),
    )


@bp.post("/users/<id:user_id>/email-addresses/<id:address_id>/remove")
def remove_email_address(user_id: str, address_id: str):
    user, address = _address(user_id, address_id)
    email = address.email
    return act(
        user,
        "addresses",
        lambda: email_addresses.remove_email_address(address, current_origin(), admin_id()),
        gettext("Removed %(email)s.", email=email),
    )


@bp.post("/users/<id:user_id>/sign-in-tokens")
def mint_sign_in_token(user_id: str):
    user = accounts.get_user(user_id)
    try:
        _, token = sign_in_tokens.mint_sign_in_token(
            user.id,
            clock.now(),
            expires_in_seconds=_optional_seconds("expires_in_seconds"),
            redirect_url=request.form.get("redirect_url", "").strip() or None,
            origin=current_origin(),
            created_by=admin_id(),
        )
    except AuthError as error:
        return render_user(user, errors={"mint": error}, status=status_of(error))
    # Rendered, not redirected: the URL must not travel through the session cookie.
    return render_user(user, minted=sign_in_tokens.token_url(token))


def _optional_seconds(name: str) -> int | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise FormParamInvalid(
            _l("Enter the lifetime as a whole number of seconds."), param=name
        ) from None


@bp.post("/users/<id:user_id>/sign-in-tokens/<id:token_id>/revoke")
def revoke_sign_in_token(user_id: str, token_id: str):
    user = accounts.get_user(user_id)
    token = sign_in_tokens.get_sign_in_token(token_id, user.id)
    return act(
        user,
        "tokens",
        lambda: sign_in_tokens.revoke_sign_in_token(
            token.id, clock.now(), current_origin(), admin_id()
        ),
        gettext("Revoked the sign-in token: its link no longer works."),
    )


@bp.post("/users/<id:user_id>/sessions/<id:session_id>/revoke")
def revoke_session(user_id: str, session_id: str):
    user = accounts.get_user(user_id)
    session = sessions.get_session(session_id, user.id)
    return act(
        user,
        "sessions",
        lambda: sessions.revoke_session(session, clock.now(), current_origin(), admin_id()),
        gettext("Revoked the session: that browser is signed out."),
    )


@bp.post("/users/<id:user_id>/sessions/revoke-all")
def revoke_all_sessions(user_id: str):
    user = accounts.get_user(user_id)
    # Keeping the admin's own session only matters on their own page: ids never repeat.
    return act(
        user,
        "sessions",
        lambda: accounts.revoke_all_sessions(
            user, clock.now(), current_origin(), admin_id(), keep=current_user.session.id
        ),
        gettext("Revoked every session: those browsers are signed out."),
    )


@bp.post("/users/<id:user_id>/ban")
def ban(user_id: str):
    message = gettext("Banned: this user cannot sign in, and their sessions ended.")
    return _change_account(user_id, message, accounts.set_banned, True, clock.now())


@bp.post("/users/<id:user_id>/unban")
def unban(user_id: str):
    message = gettext("Unbanned: this user can sign in again.")
    return _change_account(user_id, message, accounts.set_banned, False, clock.now())


@bp.post("/users/<id:user_id>/make-admin")
def make_admin(user_id: str):
    message = gettext("This user is now an administrator.")
    return _change_account(user_id, message, admins.set_admin, True)


@bp.post("/users/<id:user_id>/remove-admin")
def remove_admin(user_id: str):
    message = gettext("This user is no longer an administrator.")
    return _change_account(user_id, message, admins.set_admin, False)


def _change_account(user_id: str, message: str, change, *args):
    """`change(user, *args, origin, actor_id)` in the page's Account section."""
    user = accounts.get_user(user_id)
    return act(user, "account", lambda: change(user, *args, current_origin(), admin_id()), message)


@bp.post("/users/<id:user_id>/delete")
def delete(user_id: str):
    user = accounts.get_user(user_id)
    name = user.primary_email or user.id
    try:
        accounts.delete_user(user, current_origin(), admin_id())
    except AuthError as error:
        return render_user(user, errors={"account": error}, status=status_of(error))
    flash(gettext("Deleted %(user)s.", user=name), "success")
    return redirect(url_for("admin.users"))
