"""Latchkey: passwordless sign-in by email link. `create_app()` builds the Flask app."""

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from app import config, i18n, logs
from app.config import INSTANCE, ROOT
from app.views import proxy_headers
from app.views.cookie_session import LazyCookieSessionInterface
from app.views.incoming import FormRequest, refuse_nul_in_path


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.request_class = FormRequest
    app.session_interface = LazyCookieSessionInterface()
    app.config.update(config.defaults())
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.finish(app.config)
    # A site's own copy of any page or email comes first (SPEC §11).
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(app.config["TEMPLATE_OVERRIDES"]), app.jinja_loader]
    )
    proxy_headers.register(app)
    register_request_checks(app)
    register_extensions(app)
    register_blueprints(app)
    logs.register(app)
    return app


def register_request_checks(app: Flask) -> None:
    from app.views.errors import refuse_oversized_body

    # First of all request hooks: no CSRF check, rate limit or view reads a body over the limit,
    # or a path with a NUL in it.
    app.before_request(refuse_oversized_body)
    app.before_request(refuse_nul_in_path)


def register_extensions(app: Flask) -> None:
    from app import models, unit_of_work  # noqa: F401  (models: known to Flask-Migrate)
    from app.extensions import csrf, db, limiter, login_manager, mail, migrate
    from app.views import client, filters, headers, login, same_origin

    db.init_app(app)
    unit_of_work.register(app)  # first registered, so its after-request hook runs last
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    same_origin.register(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    client.register(app)
    headers.register(app)
    login.register(app)
    filters.register(app)
    i18n.register(app)


def register_blueprints(app: Flask) -> None:
    from app import cli
    from app.oauth import server as oauth_server
    from app.views import (
        accept_token,
        admin,
        admin_oauth,
        admin_system,
        backend_api,
        dev,
        errors,
        frontend_api,
        language,
        oauth,
        oauth_api,
        pages,
        profile,
        verify,
        waiting,
    )
    from app.views.converters import KindConverter, KindsConverter, ObjectIdConverter

    app.url_map.converters.update(id=ObjectIdConverter, kind=KindConverter, kinds=KindsConverter)

    for module in (
        pages,
        language,
        profile,
        waiting,
        verify,
        accept_token,
        frontend_api,
        backend_api,
        oauth,
        oauth_api,
        admin,
        admin_system,
        admin_oauth,
    ):
        app.register_blueprint(module.bp)
    if app.config["MAIL_DELIVERY"] == "dev_mailbox":
        app.register_blueprint(dev.bp)
    errors.register(app)
    cli.register(app)
    oauth_server.register(app)
