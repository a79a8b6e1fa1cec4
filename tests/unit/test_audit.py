"""The audit log's rejections: a repeat within the hour counts on that hour's row; the reasons
it records, in words."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.auth.audit import REASONS, describe_reason, record_rejection
from app.auth.errors import AttemptFailed, LinkError, TokenError
from app.auth.origin import Origin
from app.extensions import db
from app.models import AuditEvent

SCANNER = Origin(ip="203.0.113.7", user_agent="curl")


def rows() -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.created_at)).all()


@pytest.fixture
def now(ctx):
    """Half past an hour: the repeats below stay within it."""
    return clock.now().replace(minute=30, second=0, microsecond=0)


def test_a_repeated_rejection_is_one_row_with_a_count_and_the_last_time(ctx, now):
    for second in range(5):
        record_rejection("link.rejected", SCANNER, now + timedelta(seconds=second), reason="X")
    db.session.commit()
    [row] = rows()
    assert (row.times, row.created_at, row.last_at) == (5, now, now + timedelta(seconds=4))
    assert (row.ip, row.details) == ("203.0.113.7", {"reason": "X"})


def test_what_differs_gets_its_own_row(ctx, now):
    record_rejection("link.rejected", SCANNER, now, reason="X")
    record_rejection("link.rejected", SCANNER, now, reason="Y")
    record_rejection("link.rejected", Origin(ip="198.51.100.4"), now, reason="X")
    record_rejection("link.rejected", SCANNER, now, reason="X", user_id="user_1")
    record_rejection("sign_in_token.rejected", SCANNER, now, reason="X")
    db.session.commit()
    assert [row.times for row in rows()] == [1] * 5


def test_the_next_hour_starts_a_new_row(ctx, now):
    record_rejection("link.rejected", SCANNER, now, reason="X")
    record_rejection("link.rejected", SCANNER, now + timedelta(minutes=29), reason="X")
    record_rejection("link.rejected", SCANNER, now + timedelta(minutes=30), reason="X")
    db.session.commit()
    assert [row.times for row in rows()] == [2, 1]


def every_subclass(cls) -> set[type]:
    return {sub for child in cls.__subclasses__() for sub in {child, *every_subclass(child)}}


def test_every_reason_the_log_records_has_words(ctx):
    """A link's refusal is logged by its error's class name, a sign-in token's by its reason, a
    stopped request's by why: each must read as a sentence on the audit page."""
    codes = {error.__name__ for error in every_subclass(LinkError)}
    codes |= {error.reason for error in every_subclass(TokenError)}
    codes |= set(AttemptFailed.MESSAGES) | {"admin"}
    assert codes - set(REASONS) == set()
    assert describe_reason("LinkExpired") == "The link had expired."


@pytest.mark.parametrize(
    "code, words",
    [("SomethingNew", "Something new"), ("too_many_things", "Too many things"), ("", "")],
)
def test_an_unknown_reason_is_made_of_its_name(ctx, code, words):
    assert describe_reason(code) == words
