"""cleanup's retention: audit rows past AUDIT_RETENTION and clients nothing uses any more go,
in batches; recent rows and clients with an attempt or a session stay."""

from datetime import timedelta

from sqlalchemy import select, update

from app.auth.audit import record
from app.auth.clients import ensure_client_id
from app.auth.email_links import consume_email_link
from app.auth.origin import Origin
from app.auth.sign_up import start_sign_up
from app.auth.tokens import make_token
from app.cleanup import clean_up
from app.extensions import db
from app.models import AuditEvent, Client


def age(model, row_id: str, days: int, now) -> None:
    db.session.execute(
        update(model).where(model.id == row_id).values(created_at=now - timedelta(days=days))
    )
    db.session.commit()


def test_audit_rows_past_retention_are_deleted_in_batches(runner, ctx, now):
    for _ in range(3):
        record("link.rejected", Origin(ip="203.0.113.7"), reason="LinkInvalid")
    record("sign_in_token.minted", Origin(ip="203.0.113.7"))
    db.session.commit()
    for row_id in db.session.scalars(
        select(AuditEvent.id).where(AuditEvent.event == "link.rejected")
    ).all():
        age(AuditEvent, row_id, 366, now)
    result = runner.invoke(args=["cleanup", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "audit_events 3" in result.output
    assert db.session.scalars(select(AuditEvent.event)).all() == ["sign_in_token.minted"]


def test_audit_retention_zero_keeps_the_log(make_app, now):
    app = make_app(AUDIT_RETENTION=0)
    with app.app_context():
        record("link.rejected", Origin(ip="203.0.113.7"))
        db.session.commit()
        age(AuditEvent, db.session.scalar(select(AuditEvent.id)), 4000, now)
        assert clean_up(now)["audit_events"] == 0
        assert db.session.scalar(select(AuditEvent.id)) is not None


def test_only_old_clients_that_nothing_refers_to_are_deleted(ctx, now, mailbox):
    def browser(days_old: int) -> Origin:
        origin = Origin(client_id=ensure_client_id(make_token(), "Firefox"), ip="203.0.113.7")
        age(Client, origin.client_id, days_old, now)
        return origin

    browser(31), browser(400)  # idle for over CLIENT_RETENTION: these go
    recent = browser(29)
    signed_in, waiting = browser(40), browser(40)
    start_sign_up("grace@example.com", signed_in, now)
    consume_email_link(mailbox.token("grace@example.com"), signed_in, now)
    start_sign_up("ada@example.com", waiting, now)
    assert clean_up(now, batch=1)["clients"] == 2
    kept = set(db.session.scalars(select(Client.id)))
    assert kept == {recent.client_id, signed_in.client_id, waiting.client_id}


def test_a_client_is_deleted_once_its_attempts_and_sessions_are(ctx, now, mailbox):
    origin = Origin(client_id=ensure_client_id(make_token(), "Firefox"), ip="203.0.113.7")
    start_sign_up("grace@example.com", origin, now - timedelta(days=60))
    age(Client, origin.client_id, 60, now)
    counts = clean_up(now)
    assert counts["attempts"] == 1 and counts["clients"] == 1
    assert db.session.get(Client, origin.client_id) is None
