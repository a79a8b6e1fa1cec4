"""The waiting tab's status poll: the attempt and its newest email in one prebuilt read."""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Row, bindparam, select

from app.auth.errors import NotFound
from app.auth.tokens import hash_token
from app.extensions import db
from app.models import Attempt, Client, OutboxMessage


class EmailState(NamedTuple):
    """What the status poll needs of an attempt's newest email (see mail.overdue)."""

    id: str
    status: str
    last_error: str | None
    next_try_at: datetime
    claimed_at: datetime | None


_ATTEMPTS, _OUTBOX = Attempt.__table__, OutboxMessage.__table__
# Built once: the status poll is the hottest query there is. Plain columns, no ORM objects: the
# attempt comes back as a row with the model's attribute names.
_ATTEMPT_WITH_EMAIL = (
    select(_ATTEMPTS, *(_OUTBOX.c[name].label(f"email_{name}") for name in EmailState._fields))
    .join(Client.__table__, Client.id == _ATTEMPTS.c.client_id)
    .outerjoin(_OUTBOX, _OUTBOX.c.attempt_id == _ATTEMPTS.c.id)
    .where(
        _ATTEMPTS.c.id == bindparam("attempt_id"),
        _ATTEMPTS.c.kind == bindparam("kind"),
        Client.secret_hash == bindparam("secret_hash"),
    )
    .order_by(_OUTBOX.c.created_at.desc())
    .limit(1)
)


def find_attempt_with_email(
    kind: str, attempt_id: str, client_secret: str
) -> tuple[Row, EmailState | None]:
    """The attempt this browser started (a row, read-only), with its newest email, in one read
    on a connection of its own: the status poll, which needs no ORM session.

    Any other browser gets NotFound, as with attempts.find_attempt."""
    with db.engine.connect() as connection:
        row = connection.execute(
            _ATTEMPT_WITH_EMAIL,
            {"attempt_id": attempt_id, "kind": kind, "secret_hash": hash_token(client_secret)},
        ).first()
    if row is None:
        raise NotFound("No such request.")
    email = None
    if row.email_id is not None:
        email = EmailState(*(getattr(row, f"email_{name}") for name in EmailState._fields))
    return row, email
