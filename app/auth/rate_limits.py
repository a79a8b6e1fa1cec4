"""The per-address email quota, counted in the outbox so every process sees the same number.

A quota that everyone asking shares lets anyone keep an address's owner from ever getting a
link, five requests every ten minutes (and the only links in their inbox are then the
attacker's). So each requester has a quota of its own per mailbox, EMAILS_PER_ADDRESS, and all
of them together a higher one, EMAILS_PER_ADDRESS_TOTAL, against a mail-bomb from many networks;
a browser the owner has signed in with is held to its own quota only.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.address_text import quota_address
from app.auth.errors import RateLimited
from app.auth.networks import requester_network
from app.auth.origin import Origin
from app.auth.settings import setting
from app.extensions import db
from app.models import AddressQuota, EmailAddress, OutboxMessage, Session
from app.models.sessions import REVOKED

_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class EmailQuota(NamedTuple):
    """Whom an email counts against: its mailbox (aliases folded) and its requester."""

    address: str
    requester: str

    def charge(self, message: OutboxMessage) -> None:
        message.quota_address, message.requester = self


def lock_address(address: str, now: datetime) -> None:
    """Write the mailbox's quota row first: PostgreSQL holds that row's lock, SQLite its one
    write lock, until the transaction ends, so a racing request for the same mailbox waits here
    and then counts this one's email too."""
    insert = _UPSERT[db.session.get_bind().dialect.name](AddressQuota)
    db.session.execute(
        insert.values(normalized=address, checked_at=now).on_conflict_do_update(
            index_elements=[AddressQuota.normalized], set_={"checked_at": now}
        )
    )


def _owner_signed_in_here(normalized: str, client_id: str | None) -> bool:
    """Whether this browser has had a session, not revoked, of the account the address is
    verified for. Only that account's owner can have made one; a revoked one may be a stolen
    device. (Finished sessions are deleted after a week: see cleanup.)"""
    if not client_id:
        return False
    session = db.session.scalar(
        select(Session.id)
        .join(EmailAddress, EmailAddress.user_id == Session.user_id)
        .where(
            Session.client_id == client_id,
            Session.status != REVOKED,
            EmailAddress.normalized == normalized,
            EmailAddress.verified_at.is_not(None),
        )
        .limit(1)
    )
    return session is not None


def _wait_if_full(where, limit: int, window: timedelta, now: datetime) -> float | None:
    """Seconds until the window holds fewer than `limit` of these emails; None if it does now."""
    recent = db.session.scalars(
        select(OutboxMessage.created_at)
        .where(*where, OutboxMessage.created_at > now - window)
        .order_by(OutboxMessage.created_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    return (recent[-1] + window - now).total_seconds()


def check_address_quota(normalized: str, origin: Origin, now: datetime) -> EmailQuota:
    """Refuse a further email to an address whose quota in the window is spent: this
    requester's own (default 5 per 10 min), or everyone's together (default 20).

    Call it in the transaction that writes the email, and charge() the email with the result:
    the count holds until that commits."""
    address = quota_address(normalized)
    if not setting("RATELIMIT_ENABLED"):
        return EmailQuota(address, requester_network(origin.ip))
    lock_address(address, now)
    # The owner's browser counts on its own, not by its network: behind a shared IP (an office,
    # a carrier's NAT) an attacker's requests cannot spend its quota. Anyone else is counted by
    # network, as a cookie costs nothing to drop.
    trusted = _owner_signed_in_here(normalized, origin.client_id)
    requester = f"client {origin.client_id}" if trusted else requester_network(origin.ip)
    window = timedelta(seconds=setting("EMAILS_PER_ADDRESS_WINDOW"))
    mailbox = OutboxMessage.quota_address == address
    own = (mailbox, OutboxMessage.requester == requester)
    wait = _wait_if_full(own, setting("EMAILS_PER_ADDRESS"), window, now)
    if wait is not None:
        raise RateLimited(wait, "address")
    if not trusted:
        wait = _wait_if_full((mailbox,), setting("EMAILS_PER_ADDRESS_TOTAL"), window, now)
        if wait is not None:
            raise RateLimited(wait, "address_in_all")
    return EmailQuota(address, requester)
