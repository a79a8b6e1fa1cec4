"""What the database says happened: attempts, links, tokens and the sessions they made."""

from sqlalchemy import func, select

from app.auth.tokens import hash_token
from app.extensions import db
from app.models import Attempt, Client, EmailLink, OutboxMessage, Session, SignInToken
from app.models.mail import SENT


def sessions_by_client() -> dict[str, int]:
    """Every session ever made (active or ended), counted per client."""
    rows = db.session.execute(select(Session.client_id, func.count()).group_by(Session.client_id))
    return dict(rows.all())


def client_id_of(browser) -> str | None:
    secret = browser.cookies.get("latchkey_client")
    if not secret:
        return None
    return db.session.scalar(select(Client.id).where(Client.secret_hash == hash_token(secret)))


def sign_in_outcomes(attempt_ids: list[str]) -> dict[str, int]:
    """For the given sign-in attempts: how many completed with exactly one session on the
    requesting browser, how many are lost (not complete or no session) or doubled, and how
    many of the lost ones were half done (activated without a session, or the reverse)."""
    attempts = db.session.execute(
        select(Attempt.id, Attempt.status, Attempt.activated_at, Attempt.client_id).where(
            Attempt.id.in_(attempt_ids)
        )
    ).all()
    sessions = sessions_by_client()
    counts = {"complete": 0, "lost": len(attempt_ids) - len(attempts), "doubled": 0, "half": 0}
    for attempt in attempts:
        made = sessions.get(attempt.client_id, 0)
        if made > 1:
            counts["doubled"] += 1
        elif attempt.status == "complete" and attempt.activated_at and made == 1:
            counts["complete"] += 1
        else:
            counts["lost"] += 1
            # Activated means a session was made: without one, it was half done.
            counts["half"] += bool(attempt.activated_at) != bool(made)
    counts["sessions"] = sum(sessions.values())
    return counts


def link_state(attempt_id: str) -> tuple[str, str]:
    """(the attempt's status, its newest link's status)."""
    status = db.session.scalar(select(Attempt.status).where(Attempt.id == attempt_id))
    link = db.session.scalar(
        select(EmailLink.status)
        .where(EmailLink.attempt_id == attempt_id)
        .order_by(EmailLink.created_at.desc())
        .limit(1)
    )
    return status, link


def token_status(token_id: str) -> str:
    return db.session.scalar(select(SignInToken.status).where(SignInToken.id == token_id))


def outbox_counts() -> dict[str, int]:
    """Outbox rows by status; the unsent ones split by whether a delivery failed
    ("queued, failed": the waiting tab retries it) or was never tried ("queued, untried")."""
    rows = db.session.execute(
        select(OutboxMessage.status, OutboxMessage.last_error.is_(None), func.count()).group_by(
            OutboxMessage.status, OutboxMessage.last_error.is_(None)
        )
    )
    counts = {SENT: 0}
    for status, untried, count in rows:
        name = status if status == SENT else f"{status}, {'untried' if untried else 'failed'}"
        counts[name] = counts.get(name, 0) + count
    return counts


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
