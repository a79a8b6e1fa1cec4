"""Test data, made through the domain as a request or a command would make it: each function is
one unit of work of its own, committed when it returns, and gives back plain ids and secrets
(ORM rows are expired by the commit). Tests of the domain itself, which call it inside their
own open unit of work, and tests of the CLI, which make rows through the CLI, do not use it."""

from contextlib import contextmanager

from app import clock
from app.auth.accounts import get_user, update_user
from app.auth.address_text import normalize_email
from app.auth.clients import ensure_client_id
from app.auth.origin import Origin
from app.auth.secret_keys import create_secret_key
from app.auth.sign_in_tokens import accept_sign_in_token, mint_sign_in_token
from app.auth.tokens import make_token
from app.auth.users import create_user
from app.unit_of_work import unit_of_work


@contextmanager
def work(app):
    """The app's context and one unit of work in it, committed at its end (rolled back if it
    raises): test data made through the domain, as a request or a command would make it."""
    with app.app_context(), unit_of_work():
        yield


def make_user(app, email: str = "ada@example.com", *, admin=False, strategy="email_link") -> str:
    """A user whose only address, `email`, is verified and primary; returns the user's id.
    `strategy` says how the address was verified: "email_link" as a sign-up does, "admin" as
    the CLI and the backend API do."""
    with work(app):
        typed, normalized = normalize_email(email)
        user = create_user(typed, normalized, clock.now(), strategy=strategy)
        if admin:
            update_user(user, {"is_admin": True})
        return user.id


def make_admin(app, user_id: str) -> None:
    """Make an existing user an administrator."""
    with work(app):
        update_user(get_user(user_id), {"is_admin": True})


def make_secret_key(app, name: str = "tests") -> str:
    """A new backend API key; returns its secret (sk_…)."""
    with work(app):
        return create_secret_key(name, clock.now())[1]


def mint_token(app, user_id: str, **options) -> tuple[str, str]:
    """A pending sign-in token for the user (options as for mint_sign_in_token: redirect_url,
    expires_in_seconds, …); returns (its id, the token)."""
    with work(app):
        row, token = mint_sign_in_token(user_id, clock.now(), **options)
        return row.id, token


def make_session(app, user_id: str) -> str:
    """An active session of the user, made by accepting a sign-in token in a new browser;
    returns the session's id."""
    _, token = mint_token(app, user_id)
    with work(app):
        origin = Origin(client_id=ensure_client_id(make_token(), "tests"), ip="127.0.0.1")
        return accept_sign_in_token(token, origin, clock.now()).session.id


def make_oauth_app(
    app,
    redirect_uri: str | list[str] = "http://127.0.0.1:9/callback",
    *,
    public=False,
    first_party=False,
) -> tuple[str, str | None]:
    """An OAuth application with one redirect URI or a list of them; returns (client_id,
    client_secret or None for a public one)."""
    from app.oauth.applications import create_application

    uris = [redirect_uri] if isinstance(redirect_uri, str) else redirect_uri
    with work(app):
        application, secret = create_application(
            "Example App", uris, public=public, first_party=first_party
        )
        return application.id, secret
