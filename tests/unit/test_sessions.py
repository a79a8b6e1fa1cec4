"""Sessions: lifetime, inactivity, revocation, bans and the once-a-minute activity write."""

import pytest

from app.auth.email_links import consume_email_link
from app.auth.sessions import end_session, load_session
from app.auth.sign_up import start_sign_up
from app.extensions import db
from app.models import Session, User
from app.unit_of_work import commit
from tests.unit.conftest import later


@pytest.fixture
def session(ctx, laptop, now, mailbox):
    start_sign_up("grace@example.com", laptop, now)
    return consume_email_link(mailbox.token("grace@example.com"), laptop, now).session


def test_a_session_lives_seven_days(session, now):
    assert load_session(session.id, later(now, 604_799)) is not None
    assert load_session(session.id, later(now, 604_800)) is None
    assert db.session.get(Session, session.id).status == "expired"


def test_the_inactivity_timeout_is_off_by_default_and_can_be_set(app, session, now):
    assert load_session(session.id, later(now, 3 * 86400)) is not None
    app.config["SESSION_INACTIVITY_TIMEOUT"] = 3600
    assert load_session(session.id, later(now, 3 * 86400 + 3599)) is not None
    assert load_session(session.id, later(now, 3 * 86400 + 3599 + 3600)) is None


def test_last_active_is_written_at_most_once_a_minute(session, now):
    load_session(session.id, later(now, 30))
    assert db.session.get(Session, session.id).last_active_at == now
    load_session(session.id, later(now, 61))
    assert db.session.get(Session, session.id).last_active_at == later(now, 61)


def test_an_ended_session_no_longer_loads(session, laptop, now):
    end_session(session.id, laptop, now)
    assert load_session(session.id, now) is None
    assert db.session.get(Session, session.id).status == "ended"


def test_a_banned_users_sessions_stop_working(session, now):
    db.session.get(User, session.user_id).banned = True
    db.session.commit()
    assert load_session(session.id, now) is None


def test_unknown_session_ids_do_not_load(ctx, now):
    assert load_session("sess_nope", now) is None


@pytest.mark.parametrize("odd", ["sess_\x00" + "a" * 26, "sess_\ud800" + "a" * 26, "x" * 5000])
def test_odd_session_ids_are_refused_before_the_database(session, now, odd):
    # Only a cookie signed with SECRET_KEY names a session, but PostgreSQL raised on NUL.
    assert load_session(odd, now) is None
    assert load_session(session.id, now).id == session.id


@pytest.fixture
def statements():
    """The SQL statements run while the block runs."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def count():
        seen = []
        engine = db.engine

        def record(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return count


def test_the_per_request_check_is_one_indexed_read(session, now, statements):
    session_id = session.id
    db.session.expunge_all()
    with statements() as seen:
        assert load_session(session_id, later(now, 30)) is not None
    assert len(seen) == 1 and seen[0].lstrip().upper().startswith("SELECT")
    assert "WHERE sessions.id = " in seen[0]  # the primary key
    db.session.expunge_all()
    with statements() as seen:
        load_session(session_id, later(now, 61))
        commit()  # the touch is written when the request's work ends, however it ends
    assert [s.split()[0].upper() for s in seen] == ["SELECT", "UPDATE"]  # once a minute
