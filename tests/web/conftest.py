"""Fixtures for the /admin pages (an administrator signed in on `client`, a user to act on),
and a clock at half past for what the audit log counts per hour."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import AuditEvent
from tests.conftest import csrf_token


@pytest.fixture
def admin(runner, auth):
    """The id of an administrator made by the CLI and signed in on `client` by the real loop."""
    result = runner.invoke(args=["users", "create", "admin@example.com", "--admin"])
    assert result.exit_code == 0, result.output
    auth.sign_in("admin@example.com")
    return result.output.strip()


@pytest.fixture
def ada(runner):
    """The id of an ordinary user, ada@example.com, signed in nowhere."""
    result = runner.invoke(args=["users", "create", "ada@example.com"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def post(client):
    """POST a form from `client` with its CSRF token; follow=True lands on the next page."""

    def send(path: str, follow: bool = False, **data):
        return client.post(
            path, data={"csrf_token": csrf_token(client), **data}, follow_redirects=follow
        )

    return send


@pytest.fixture
def audited(app):
    """The audit rows of one event type, oldest first."""

    def rows(event: str) -> list[AuditEvent]:
        with app.app_context():
            found = db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.event == event)
                .order_by(AuditEvent.created_at, AuditEvent.id)
            ).all()
            db.session.expunge_all()
            return found

    return rows


@pytest.fixture
def mid_hour(make_app):
    """The clock moved to the next half past: repeated rejections counted per clock hour stay
    on one row for the next 30 minutes, whenever the test runs."""
    now = clock.now()
    target = now.replace(minute=30, second=0, microsecond=0)
    if target <= now:
        target += timedelta(hours=1)
    clock.travel((target - now).total_seconds())
