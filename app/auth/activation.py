"""The waiting tab's half of a cross-device sign-in: its own session, once approved."""

from datetime import datetime, timedelta

from sqlalchemy import update

from app.auth.attempts import find_attempt
from app.auth.audit import record
from app.auth.email_links import Completion
from app.auth.errors import AttemptClosed, UserBanned
from app.auth.origin import Origin
from app.auth.sessions import create_session
from app.auth.settings import setting
from app.extensions import db
from app.i18n import _l
from app.models import Attempt, User
from app.models.attempts import ABANDONED, COMPLETE, PENDING


def activate_attempt(kind: str, attempt_id: str, origin: Origin, now: datetime) -> Completion:
    """The waiting tab's half of a cross-device sign-in: a session on the requesting client.

    Works once, on the client that started the attempt, and only for EMAIL_LINK_TTL after
    the approval: an approval nobody picks up does not stay redeemable.
    """
    attempt = find_attempt(kind, attempt_id, origin.client_id)
    if attempt.status == ABANDONED or attempt.status == PENDING:
        raise AttemptClosed(_l("This request has not been approved."))
    window = timedelta(seconds=setting("EMAIL_LINK_TTL"))
    won = db.session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == COMPLETE,
            Attempt.activated_at.is_(None),
            Attempt.completed_at > now - window,
        )
        .values(activated_at=now, updated_at=now)
    ).rowcount
    if won != 1:
        raise AttemptClosed(_l("This request was already finished, or its approval has expired."))
    user = db.session.get(User, attempt.user_id)
    if user is None or user.banned:
        raise UserBanned()
    session = create_session(user, origin, now)
    record(f"{kind}.completed", origin, user_id=user.id, subject_id=attempt.id)
    return Completion(attempt, session)
