"""The hot paths, start and consume (writing) and the status poll (reading), in as few steps as
they need.

SQLite has one writer at a time, so the time from a request's first write to its commit is time
every other writer waits; and each statement costs the ORM far more than the database."""

import pytest
from flask import template_rendered
from sqlalchemy import Row, event

from app.auth.clients import ensure_client_id
from app.auth.email_links import consume_email_link
from app.auth.origin import Origin
from app.auth.sign_in import start_sign_in
from app.auth.sign_up import start_sign_up
from app.auth.status_poll import find_attempt_with_email
from app.auth.tokens import make_token
from app.auth.users import create_user
from app.extensions import db
from app.models import Attempt


@pytest.fixture
def steps(app):
    """What happened, in order: each statement's first words, and "render" for each template."""
    seen = []

    def statement(conn, cursor, text, *args):
        seen.append(" ".join(text.split()[:3]))

    def rendered(sender, template, context, **extra):
        seen.append("render")

    event.listen(db.engine, "before_cursor_execute", statement)
    template_rendered.connect(rendered, app)
    yield seen
    template_rendered.disconnect(rendered, app)
    event.remove(db.engine, "before_cursor_execute", statement)


def writes(steps) -> list[str]:
    return [s for s in steps if s.startswith(("INSERT", "UPDATE", "DELETE"))]


def test_a_start_renders_its_email_before_its_first_write(app, laptop, now, steps):
    assert app.config["RATELIMIT_ENABLED"]  # the per-address quota's row is written too
    start_sign_up("ada@example.com", laptop, now)
    assert steps.count("render") == 3  # subject, text and HTML
    assert len(writes(steps)) >= 5  # quota, attempt, link, outbox row, audit
    first_write = steps.index(writes(steps)[0])
    assert first_write > len(steps) - 1 - steps[::-1].index("render"), steps


def test_spending_a_link_reads_each_row_once_and_writes_the_attempt_twice_at_most(
    ctx, laptop, now, mailbox, steps
):
    create_user("ada@example.com", "ada@example.com", now, laptop)
    attempt = start_sign_in("ada@example.com", laptop, now)
    token = mailbox.token("ada@example.com")
    db.session.commit()
    steps.clear()
    completion = consume_email_link(token, laptop, now)
    assert completion.session.user.banned is False  # SignedIn reads the session's user
    reads = [s for s in steps if s.startswith("SELECT")]
    # The link with its attempt, and the user; PostgreSQL also locks the browser's row.
    # (Before: the attempt read again after its update, and the user again for the cookie.)
    assert len(reads) == len(set(reads)) <= (3 if db.engine.dialect.name == "postgresql" else 2)
    # The conditional update that completes it, then its activation (and user) together.
    assert writes(steps).count("UPDATE attempts SET") <= 2, steps
    assert len(steps) <= 11, steps
    assert db.session.get(Attempt, attempt.id).activated_at is not None


def test_a_status_poll_is_one_read_on_its_own_connection_with_no_orm_objects(ctx, now, steps):
    secret = make_token()
    laptop = Origin(ensure_client_id(secret, "Firefox"), "203.0.113.7", "Firefox")
    attempt_id = start_sign_up("ada@example.com", laptop, now).id
    db.session.commit()
    db.session.close()
    steps.clear()
    row, email = find_attempt_with_email("sign_up", attempt_id, secret)
    assert steps == [steps[0]] and steps[0].startswith("SELECT"), steps
    assert isinstance(row, Row) and row.id == attempt_id and email.status == "sent"
    # The ORM session was never used: no transaction opened, no object loaded.
    assert not db.session().in_transaction() and not db.session.identity_map


def test_a_status_poll_makes_no_orm_session_for_the_settings_it_reads(app, mailbox):
    """The poll reads a saved setting (SPEC §10's number matching) from the process's copy:
    it makes no database session for it, nor a query once that copy is fresh."""
    sessions = []
    app.after_request(lambda response: sessions.append(db.session.registry.has()) or response)
    client = app.test_client()
    page = client.get("/sign-up").get_data(as_text=True)
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    waiting = client.post(
        "/sign-up", data={"csrf_token": csrf, "email_address": "new@example.com"}
    ).location
    status = f"/api/sign-ups/{waiting.rsplit('/', 1)[1]}"
    client.get(status)  # the process's copy of the settings is fresh from here
    sessions.clear()
    assert client.get(status).get_json()["match_number"] is not None
    assert sessions == [False]
