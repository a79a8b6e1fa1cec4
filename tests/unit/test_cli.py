"""The command line: users, mail and cleanup."""

from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.auth.email_links import consume_email_link
from app.auth.sign_up import start_sign_up
from app.extensions import db
from app.models import Attempt, EmailLink, OutboxMessage, Session, User


def test_users_create_prints_the_id_and_refuses_duplicates(app, runner):
    result = runner.invoke(args=["users", "create", "Admin@Example.com", "--admin"])
    user_id = result.output.strip()
    assert result.exit_code == 0 and user_id.startswith("user_")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.is_admin and user.primary_email == "Admin@Example.com"
    again = runner.invoke(args=["users", "create", "admin@example.com"])
    assert again.exit_code != 0 and "taken" in again.output
    bad = runner.invoke(args=["users", "create", "not-an-address"])
    assert bad.exit_code != 0 and "valid email" in bad.output


def test_cleanup_deletes_what_nobody_can_use(runner, ctx, laptop, mailbox):
    now = clock.now()
    old = now - timedelta(days=9)
    start_sign_up("old@example.com", laptop, old)
    start_sign_up("new@example.com", laptop, now)
    consume_email_link(mailbox.token("new@example.com"), laptop, now)
    db.session.get(Session, db.session.scalar(select(Session.id))).expire_at = now
    db.session.commit()
    result = runner.invoke(args=["cleanup", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "sessions_expired 1, attempts 1, emails 1" in result.output
    assert db.session.scalars(select(Attempt.email)).all() == ["new@example.com"]
    assert db.session.scalar(select(func.count()).select_from(EmailLink)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
