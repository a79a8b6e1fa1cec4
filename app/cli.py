"""Command-line tasks: `flask --app wsgi users create | mail deliver | cleanup`."""

import click
from flask import Flask
from flask.cli import AppGroup

from app import clock, mail
from app.auth.cleanup import clean_up
from app.auth.emails import normalize_email
from app.auth.errors import AuthError
from app.auth.users import create_user, owner_of
from app.extensions import db

users = AppGroup("users", help="Manage users.")
mail_cli = AppGroup("mail", help="The outbox.")


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
    user = create_user(display, normalized, clock.now(), strategy="admin")
    user.is_admin = admin
    db.session.commit()
    click.echo(user.id)


@mail_cli.command("deliver")
def deliver_command():
    """Send every queued email now, failed ones included."""
    sent, queued = mail.deliver_due(force=True)
    click.echo(f"sent {sent}, still queued {queued}")


@click.command("cleanup")
@click.option("--batch", default=1000, show_default=True, help="Rows deleted per transaction.")
def cleanup_command(batch: int):
    """Delete expired attempts, links, sent email and ended sessions."""
    counts = clean_up(clock.now(), batch)
    click.echo(", ".join(f"{name} {count}" for name, count in counts.items()))


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(mail_cli)
    app.cli.add_command(cleanup_command)
