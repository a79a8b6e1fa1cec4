"""/admin/oauth-apps: the applications that sign people in with Latchkey (SPEC §9)."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth.errors import AuthError
from app.oauth import applications
from app.views.admin import admin_id, admin_required
from app.views.errors import status_of
from app.views.headers import no_store

bp = Blueprint("admin_oauth", __name__, url_prefix="/admin")


bp.after_request(no_store)


@bp.before_request
@admin_required
def guard():
    """Every /admin page is for admins only."""


def typed_uris() -> list[str]:
    """The form's redirect URIs, one a line; a blank line is no URI."""
    return [line for line in request.form.get("redirect_uris", "").splitlines() if line.strip()]


def render_apps(*, error: AuthError | None = None):
    """The list and the create form; `error` re-shows what was typed with the refusal."""
    page = render_template(
        "admin/oauth_apps.html",
        apps=[applications.describe(row) for row in applications.list_applications()],
        error=error,
        form=request.form,
    )
    return page, status_of(error) if error else 200


def render_app(application, *, secret: str | None = None, errors: dict | None = None):
    """One application's page; `secret` is shown this once, `errors` in their sections."""
    if secret is not None:
        # The one time this secret exists in clear: keep it out of caches and referrers.
        g.token_page = True
    errors = errors or {}
    page = render_template(
        "admin/oauth_app.html",
        application=applications.describe(application),
        created_at=application.created_at,
        secret=secret,
        errors=errors,
        form=request.form,
    )
    return page, next((status_of(error) for error in errors.values()), 200)


@bp.get("/oauth-apps")
def apps():
    return render_apps()


@bp.post("/oauth-apps")
def create():
    try:
        application, secret = applications.create_application(
            request.form.get("name", ""),
            typed_uris(),
            public=request.form.get("type") == "public",
            first_party=request.form.get("first_party") == "on",
            actor_id=admin_id(),
        )
    except AuthError as error:
        return render_apps(error=error)
    if secret is None:
        flash(
            gettext("Created “%(name)s”, a public application.", name=application.name), "success"
        )
        return redirect(url_for("admin_oauth.application", client_id=application.id))
    flash(
        gettext(
            "Created “%(name)s”. Copy its secret now: it will not be shown again.",
            name=application.name,
        )
    )
    # Rendered, not redirected: the secret must not travel through the session cookie.
    return render_app(application, secret=secret)


@bp.get("/oauth-apps/<id:client_id>")
def application(client_id: str):
    return render_app(applications.get_application(client_id))


@bp.post("/oauth-apps/<id:client_id>")
def update(client_id: str):
    application = applications.get_application(client_id)
    try:
        applications.update_application(
            application,
            name=request.form.get("name", ""),
            redirect_uris=typed_uris(),
            actor_id=admin_id(),
        )
    except AuthError as error:
        return render_app(application, errors={"edit": error})
    flash(gettext("Saved."), "success")
    return redirect(url_for("admin_oauth.application", client_id=client_id))


@bp.post("/oauth-apps/<id:client_id>/rotate-secret")
def rotate_secret(client_id: str):
    application = applications.get_application(client_id)
    try:
        secret = applications.rotate_secret(application, actor_id=admin_id())
    except AuthError as error:
        return render_app(application, errors={"secret": error})
    flash(gettext("A new secret: copy it now. The old one no longer works."))
    return render_app(application, secret=secret)


@bp.post("/oauth-apps/<id:client_id>/delete")
def delete(client_id: str):
    application = applications.get_application(client_id)
    name = application.name
    applications.delete_application(application, actor_id=admin_id())
    flash(gettext("Deleted “%(name)s”: its tokens no longer work.", name=name), "success")
    return redirect(url_for("admin_oauth.apps"))
