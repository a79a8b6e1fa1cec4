"""The unit of work: commit or roll back as one; what waits for the commit; what is kept."""

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.models import AuditEvent
from app.unit_of_work import after_commit, doom, keep, unit_of_work


def events() -> list[str]:
    db.session.rollback()  # read what was committed, as another request would
    return db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.event)).all()


def add(event: str) -> None:
    db.session.add(AuditEvent(event=event, details={}))


def kept_row(event: str):
    return insert(AuditEvent).values(event=event, details={})


def test_a_block_that_ends_commits_then_runs_what_waited_for_the_commit(ctx):
    ran = []
    with unit_of_work():
        add("work.done")
        after_commit(lambda: ran.append(events()))
    assert ran == [["work.done"]]  # run after the commit: it sees the work


def test_a_block_that_raises_keeps_only_what_was_kept(ctx):
    ran = []
    with pytest.raises(RuntimeError), unit_of_work():
        add("work.done")
        keep(kept_row("refusal.recorded"))
        after_commit(lambda: ran.append("sent"))
        raise RuntimeError("part-way")
    assert events() == ["refusal.recorded"] and ran == []


def test_a_doomed_unit_rolls_back_though_it_ended_well(ctx):
    ran = []
    with unit_of_work():
        add("work.done")
        keep(kept_row("refusal.recorded"))
        after_commit(lambda: ran.append("sent"))
        doom()
    assert events() == ["refusal.recorded"] and ran == []


def test_a_request_that_fails_rolls_back_its_work(app, client):
    @app.post("/_fails_after_a_write")
    def fails_after_a_write():
        add("work.done")
        keep(kept_row("refusal.recorded"))
        return "refused", 409

    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/_fails_after_a_write").status_code == 409
    with app.app_context():
        assert events() == ["refusal.recorded"]
