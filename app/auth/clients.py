"""Clients: the browser behind a request, known by the secret in its HttpOnly cookie."""

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.origin import Origin
from app.auth.tokens import hash_token, make_token
from app.extensions import db
from app.models import Client

new_client_secret = make_token


def find_client_id(secret: str | None) -> str | None:
    if not secret:
        return None
    return db.session.scalar(select(Client.id).where(Client.secret_hash == hash_token(secret)))


def ensure_client_id(secret: str, user_agent: str) -> str:
    """The client's id, creating its row on first use (not on first visit: bots stay cheap)."""
    client_id = find_client_id(secret)
    if client_id:
        return client_id
    client = Client(secret_hash=hash_token(secret), user_agent=user_agent[:512])
    try:
        with db.session.begin_nested():
            db.session.add(client)
    except IntegrityError:  # the same browser's other request made it a moment ago
        return find_client_id(secret)
    return client.id


def with_client(origin: Origin) -> Origin:
    """The origin with its client row, made now if need be: call it once a flow has succeeded.

    Made inside the caller's transaction, so a flow that fails after all leaves no row; a
    stream of bogus tokens leaves none at all.
    """
    if origin.client_id or not origin.client_secret:
        return origin
    return replace(origin, client_id=ensure_client_id(origin.client_secret, origin.user_agent))
