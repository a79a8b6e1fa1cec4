"""Writes audit rows inside the caller's transaction, so the log and the change agree."""

import hashlib
import json
import re
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.origin import Origin
from app.extensions import db
from app.i18n import _l
from app.models import AuditEvent, EmailAddress, User
from app.unit_of_work import keep

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # each with ON CONFLICT


def _hour(moment: datetime) -> str:
    return moment.replace(minute=0, second=0, microsecond=0).isoformat()


def record(
    event: str,
    origin: Origin | None = None,
    *,
    user_id=None,
    subject_id=None,
    actor_id=None,
    **details,
):
    """Add one row; `actor_id` names who made the change (an admin, a secret key, "cli")."""
    db.session.add(AuditEvent(**_columns(event, origin, user_id, subject_id, actor_id, details)))


def _columns(event: str, origin: Origin | None, user_id, subject_id, actor_id, details) -> dict:
    origin = origin or Origin()
    return {
        "event": event,
        "user_id": user_id,
        "actor_id": actor_id,
        "client_id": origin.client_id,
        "ip": origin.ip,
        "subject_id": subject_id,
        "details": details,
    }


def record_rejection(
    event: str,
    origin: Origin | None,
    now: datetime,
    *,
    user_id=None,
    subject_id=None,
    actor_id=None,
    **details,
):
    """Add a row, or count one more on the same rejection's row of this hour, when the caller's
    work ends: a refusal rolls back the work, not the record of the refusal.

    The same event, IP, client, user, subject and details within one clock hour is one row with
    a count: a flood of bogus tokens writes a row an hour per IP, not a row per request, and the
    log still says what happened, how often, first and last when.
    """
    columns = _columns(event, origin, user_id, subject_id, actor_id, details)
    key = [_hour(now), *columns.values()]
    fingerprint = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    insert = _INSERTS[db.session.get_bind().dialect.name]
    table = AuditEvent.__table__
    # One statement against the fingerprint's unique index: racing rejections neither make
    # two rows nor lose a count.
    keep(
        insert(table)
        .values(**columns, created_at=now, last_at=now, fingerprint=fingerprint)
        .on_conflict_do_update(
            index_elements=[table.c.fingerprint],
            set_={"times": table.c.times + 1, "last_at": now},
        )
    )


def record_refusal(event: str, refused, origin: Origin | None, now: datetime, **details):
    """A refused link or token, on the user and id of the row it named (None: no such row);
    counted as record_rejection counts."""
    record_rejection(
        event,
        origin,
        now,
        user_id=getattr(refused, "user_id", None),
        subject_id=getattr(refused, "id", None),
        **details,
    )


def list_events(
    *, user: str = "", event: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    """One page of the log, newest first, and how many rows match.

    `user` is a user id or an email address; it matches what happened to that user and
    what they did as an admin, so an admin's own trail is one filter away.
    """
    statement = select(AuditEvent)
    user = user.strip()
    if user:
        if "@" in user:
            ids = select(EmailAddress.user_id).where(EmailAddress.normalized == user.lower())
            statement = statement.where(
                or_(AuditEvent.user_id.in_(ids), AuditEvent.actor_id.in_(ids))
            )
        else:
            statement = statement.where(
                or_(AuditEvent.user_id == user, AuditEvent.actor_id == user)
            )
    if event.strip():
        statement = statement.where(AuditEvent.event == event.strip())
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    page = statement.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return db.session.scalars(page.limit(limit).offset(offset)).all(), total


def list_event_names() -> list[str]:
    """Every event type the log holds, for the audit page's filter."""
    return db.session.scalars(select(AuditEvent.event).distinct().order_by(AuditEvent.event)).all()


def user_labels(events: list[AuditEvent]) -> dict[str, str]:
    """The primary email address of each user these rows name, as who did what or to whom.

    Deleted users are left out: the log keeps only their ids.
    """
    user_ids = {i for event in events for i in (event.user_id, event.actor_id) if i}
    rows = db.session.execute(
        select(User.id, EmailAddress.email)
        .join(EmailAddress, EmailAddress.id == User.primary_email_address_id)
        .where(User.id.in_(user_ids))
    )
    return dict(rows.tuples().all())


_BANNED = _l("The user is banned.")
# Why a link, a sign-in token or a request was refused, as rows name it in `reason` (a domain
# error's class name, or a short code) -> words for the admin who reads the log.
REASONS = {
    "LinkInvalid": _l("Not a link that was sent: mistyped, cut short or made up."),
    "LinkExpired": _l("The link had expired."),
    "LinkAlreadyUsed": _l("The link had already been used."),
    "LinkReplaced": _l("A newer link had been sent for the same request."),
    "LinkCancelled": _l("The request had been cancelled."),
    "ClientMismatch": _l("Opened in another browser than the one that asked for the link."),
    "LinkUserBanned": _BANNED,
    "LinkAddressTaken": _l("Another account had verified the address in the meantime."),
    "AttemptFailed": _l("The request had been stopped for safety."),
    "invalid": _l("Not a sign-in link that was made: mistyped, cut short or made up."),
    "expired": _l("It had expired."),
    "revoked": _l("It had been revoked."),
    "already_used": _l("It had already been used."),
    "banned": _BANNED,
    "admin": _l("The user is an administrator: a secret key cannot make sign-in links for them."),
    "too_many_codes": _l("Too many wrong codes were typed."),
    "wrong_number": _l("The wrong number was typed on the approving device."),
    "denied": _l("Stopped from the email: “This wasn't me”."),
}


def describe_reason(code) -> str:
    """A row's reason in words; one not in REASONS (a newer code) as words made of its name:
    "SomethingNew" or "something_new" -> "Something new"."""
    known = REASONS.get(code)
    if known is not None:
        return str(known)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(code)).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()
