"""One transaction per request, CLI command or background job, owned by that entry point.

Domain functions add and flush, never commit, so one may call another and a failure anywhere
leaves nothing half done. Two things outlive the work itself:
- `after_commit(action)`: what must wait for the commit (handing an email to the sender), run
  once it commits, dropped if it rolls back;
- `keep(statement)`: a write that stands even when the work is rolled back (the audit row of a
  refused token: the refusal is the failure, and its record must not go with it);
- `commit_even_if_refused()`: the whole work stands although the answer is a refusal, when the
  work is the refusal's point (a wrong code counted: the next guess must see the count).
"""

from collections.abc import Callable
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db

_AFTER_COMMIT = "latchkey_after_commit"
_KEPT = "latchkey_kept"
_DOOMED = "latchkey_doomed"
_STANDS = "latchkey_stands"


def after_commit(action: Callable[[], object]) -> None:
    """Run `action` once the current work commits; never, if it rolls back."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(action)


def keep(statement) -> None:
    """Execute `statement` at the end of the current work, whether it commits or not."""
    db.session.info.setdefault(_KEPT, []).append(statement)


def keep_change(row, **values) -> None:
    """Set columns of `row` at once and for good: written at the end of the work whether it
    commits or not (a session's touch, a lapse noticed while answering a refused request)."""
    model = type(row)
    keep(update(model).where(model.id == row.id).values(**values))
    for name, value in values.items():
        set_committed_value(row, name, value)  # seen now, without being written twice


def doom() -> None:
    """Roll the current work back at its end: for an entry point that answers a refusal with
    a success status (a redirect with a message)."""
    db.session.info[_DOOMED] = True


def commit_even_if_refused() -> None:
    """Commit the current work at its end even if the request answers a refusal (4xx)."""
    db.session.info[_STANDS] = True


@event.listens_for(Session, "before_commit")
def _write_kept(session: Session) -> None:
    # On any commit, not only ours: a kept write is never left behind by a commit. Not when a
    # savepoint ends (this event fires then too): a rollback of the work would take them along.
    if session.in_nested_transaction():
        return
    for statement in session.info.pop(_KEPT, []):
        session.execute(statement)


def commit() -> None:
    info = db.session.info
    info.pop(_STANDS, None)
    if info.pop(_DOOMED, False):
        rollback()
        return
    db.session.commit()
    for action in info.pop(_AFTER_COMMIT, []):
        action()


def rollback() -> None:
    info = db.session.info
    info.pop(_AFTER_COMMIT, None)
    info.pop(_DOOMED, None)
    info.pop(_STANDS, None)
    kept = info.pop(_KEPT, [])
    db.session.rollback()
    if kept:
        info[_KEPT] = kept
        db.session.commit()  # a transaction of its own, for the kept writes alone


@contextmanager
def unit_of_work():
    """For a CLI command or a job: commit what the block did, or roll it all back if it raised."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def register(app: Flask) -> None:
    @app.after_request
    def end_unit_of_work(response):
        if not db.session.registry.has():
            return response  # the request never used the database: nothing to end
        # A request that failed (any error status) keeps nothing of its work but what it kept,
        # unless the refusal's work is its point (commit_even_if_refused).
        stands = db.session.info.get(_STANDS) and response.status_code < 500
        if response.status_code >= 400 and not stands:
            rollback()
        else:
            commit()
        return response
