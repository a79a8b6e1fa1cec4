"""Command-line tasks: `flask --app wsgi users | keys | sign-in-tokens | mail | cleanup |
oauth-apps | signing-keys`."""

import click
from flask import Flask
from flask.cli import AppGroup

from app import clock, mail
from app.auth import signing_keys
from app.auth.address_text import normalize_email
from app.auth.audit import record
from app.auth.errors import AuthError
from app.auth.secret_keys import create_secret_key, revoke_secret_key
from app.auth.sign_in_tokens import mint_sign_in_token, token_url
from app.auth.users import create_user, owner_of
from app.cleanup import clean_up
from app.oauth import applications
from app.unit_of_work import unit_of_work

users = AppGroup("users", help="Manage users.")
mail_cli = AppGroup("mail", help="The outbox.")
keys = AppGroup("keys", help="Secret keys for the backend API.")
tokens = AppGroup("sign-in-tokens", help="One-time sign-in tokens.")
oauth_apps = AppGroup("oauth-apps", help="Applications that sign people in with Latchkey (OIDC).")
signing_keys_cli = AppGroup("signing-keys", help="Keys that sign ID, access and session tokens.")


@users.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
def create_user_command(email: str, admin: bool):
    """Create a user with a verified EMAIL and print the user id."""
    try:
        display, normalized = normalize_email(email)
    except AuthError as error:
        raise click.BadParameter(error.message, param_hint="EMAIL") from None
    if owner_of(normalized) is not None:
        raise click.ClickException("That email address is taken.")
    with unit_of_work():
        user = create_user(display, normalized, clock.now(), strategy="admin")
        if admin:
            user.is_admin = True
            record(
                "user.updated",
                user_id=user.id,
                subject_id=user.id,
                actor_id="cli",
                fields=["is_admin"],
            )
    click.echo(user.id)


@mail_cli.command("deliver")
def deliver_command():
    """Send every queued email now, failed ones included."""
    sent, queued = mail.deliver_due(force=True)
    click.echo(f"sent {sent}, still queued {queued}")


@keys.command("create")
@click.argument("name")
def create_key_command(name: str):
    """Create a secret key and print it. It is shown this once: store it now."""
    with unit_of_work():
        _, secret = create_secret_key(name, clock.now())
    click.echo(secret)


@keys.command("revoke")
@click.argument("key_id")
def revoke_key_command(key_id: str):
    """Revoke a secret key by its id (key_…)."""
    try:
        with unit_of_work():
            revoke_secret_key(key_id, clock.now())
    except AuthError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"revoked {key_id}")


@tokens.command("create")
@click.argument("user")
@click.option("--expires-in", type=int, help="Lifetime in seconds (default SIGN_IN_TOKEN_TTL).")
@click.option("--redirect-url", help="Where to go after signing in.")
def create_token_command(user: str, expires_in: int | None, redirect_url: str | None):
    """Mint a sign-in token for USER (a user id or an email address) and print its URL."""
    if "@" in user:
        try:
            owner = owner_of(normalize_email(user)[1])
        except AuthError as error:
            raise click.BadParameter(error.message, param_hint="USER") from None
        user = owner.id if owner else ""
    try:
        with unit_of_work():
            _, token = mint_sign_in_token(
                user,
                clock.now(),
                expires_in_seconds=expires_in,
                redirect_url=redirect_url,
                created_by="cli",
            )
    except AuthError as error:
        raise click.ClickException(error.message) from None
    click.echo(token_url(token))


@click.command("cleanup")
@click.option("--batch", default=1000, show_default=True, help="Rows deleted per transaction.")
def cleanup_command(batch: int):
    """Delete expired attempts, links, sent email and ended sessions; audit rows older than
    AUDIT_RETENTION seconds (default a year; 0 keeps them); clients older than
    CLIENT_RETENTION (default 30 days) that no attempt or session refers to."""
    counts = clean_up(clock.now(), batch)
    click.echo(", ".join(f"{name} {count}" for name, count in counts.items()))


@oauth_apps.command("create")
@click.argument("name")
@click.option(
    "--redirect-uri", "redirect_uris", multiple=True, required=True, help="Repeat for each."
)
@click.option("--public", is_flag=True, help="No secret: PKCE instead (browser and mobile apps).")
@click.option("--first-party", is_flag=True, help="Trusted: people are not asked for consent.")
def create_oauth_app_command(name: str, redirect_uris: tuple, public: bool, first_party: bool):
    """Create an application and print its client id and, unless --public, its secret: shown
    this once, store it now."""
    try:
        with unit_of_work():
            application, secret = applications.create_application(
                name, list(redirect_uris), public=public, first_party=first_party, actor_id="cli"
            )
    except AuthError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"client_id={application.id}")
    if secret is not None:
        click.echo(f"client_secret={secret}")
        click.echo("Store the secret now: it is not shown again.", err=True)


@oauth_apps.command("list")
def list_oauth_apps_command():
    """One line per application, tab-separated: client id, public or confidential,
    first-party or third-party, name, redirect URIs (space-separated)."""
    found = [applications.describe(row) for row in applications.list_applications()]
    for row in found:
        party = "first-party" if row["first_party"] else "third-party"
        uris = " ".join(row["redirect_uris"])
        click.echo("\t".join([row["client_id"], row["type"], party, row["name"], uris]))
    if not found:
        click.echo("No OAuth applications.", err=True)


def _change_oauth_app(client_id: str, change):
    """Run `change(application)` in one unit of work; an unknown id or a refusal is an error."""
    try:
        with unit_of_work():
            return change(applications.get_application(client_id))
    except AuthError as error:
        raise click.ClickException(error.message) from None


@oauth_apps.command("delete")
@click.argument("client_id")
def delete_oauth_app_command(client_id: str):
    """Delete an application: its tokens, codes and consents go with it."""
    _change_oauth_app(client_id, lambda found: applications.delete_application(found, "cli"))
    click.echo(f"deleted {client_id}")


@oauth_apps.command("rotate-secret")
@click.argument("client_id")
def rotate_oauth_secret_command(client_id: str):
    """Give a confidential application a new secret and print it; the old one stops working."""
    secret = _change_oauth_app(client_id, lambda found: applications.rotate_secret(found, "cli"))
    click.echo(f"client_secret={secret}")


@signing_keys_cli.command("rotate")
def rotate_signing_key_command():
    """Make new current signing keys (one for OpenID tokens, one for /v1 session tokens) and
    print their kids; the old ones stay published until the tokens they signed have expired."""
    with unit_of_work():
        made = signing_keys.rotate(clock.now())
    click.echo(f"oidc_kid={made[signing_keys.OIDC].id}")
    click.echo(f"session_kid={made[signing_keys.SESSIONS].id}")


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(mail_cli)
    app.cli.add_command(cleanup_command)
    app.cli.add_command(keys)
    app.cli.add_command(tokens)
    app.cli.add_command(oauth_apps)
    app.cli.add_command(signing_keys_cli)
