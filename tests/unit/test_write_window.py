"""A start's writes come together at its end: SQLite has one writer at a time, so the time from
a request's first write to its commit is time every other writer waits."""

import pytest
from flask import template_rendered
from sqlalchemy import event

from app.auth.sign_up import start_sign_up
from app.extensions import db


@pytest.fixture
def steps(app):
    """What happened, in order: "write" for each writing statement, "render" for each template."""
    seen = []

    def statement(conn, cursor, text, *args):
        if text.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append("write")

    def rendered(sender, template, context, **extra):
        seen.append("render")

    event.listen(db.engine, "before_cursor_execute", statement)
    template_rendered.connect(rendered, app)
    yield seen
    template_rendered.disconnect(rendered, app)
    event.remove(db.engine, "before_cursor_execute", statement)


def test_a_start_renders_its_email_before_its_first_write(app, laptop, now, steps):
    assert app.config["RATELIMIT_ENABLED"]  # the per-address quota's row is written too
    start_sign_up("ada@example.com", laptop, now)
    assert steps.count("render") == 3  # subject, text and HTML
    assert steps.count("write") >= 5  # quota, attempt, link, outbox row, audit
    assert steps.index("write") > len(steps) - 1 - steps[::-1].index("render"), steps
