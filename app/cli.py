"""Command-line tasks: `flask --app wsgi users | keys | sign-in-tokens | mail | cleanup`."""

import click
from flask import Flask
from flask.cli import AppGroup

from app import clock, mail
from app.auth.address_text import normalize_email
from app.auth.audit import record
from app.auth.errors import AuthError
from app.auth.secret_keys import create_secret_key, revoke_secret_key
from app.auth.sign_in_tokens import mint_sign_in_token, token_url
from app.auth.users import create_user, owner_of
from app.cleanup import clean_up
from app.unit_of_work import unit_of_work

users = AppGroup("users", help="Manage users.")
mail_cli = AppGroup("mail", help="The outbox.")
keys = AppGroup("keys", help="Secret keys for the backend API.")
tokens = AppGroup("sign-in-tokens", help="One-time sign-in tokens.")


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


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(mail_cli)
    app.cli.add_command(cleanup_command)
    app.cli.add_command(keys)
    app.cli.add_command(tokens)
