"""The database models, one module per aggregate."""

from app.models.attempts import Attempt, EmailLink
from app.models.audit import AuditEvent
from app.models.clients import Client
from app.models.mail import AddressQuota, OutboxMessage
from app.models.oauth import (
    OAuthApplication,
    OAuthCode,
    OAuthConsent,
    OAuthGrant,
    OAuthToken,
    SigningKey,
)
from app.models.sessions import Session
from app.models.settings import Setting
from app.models.tokens import SecretKey, SignInToken
from app.models.users import EmailAddress, User

__all__ = [
    "AddressQuota",
    "Attempt",
    "AuditEvent",
    "Client",
    "EmailAddress",
    "EmailLink",
    "OAuthApplication",
    "OAuthCode",
    "OAuthConsent",
    "OAuthGrant",
    "OAuthToken",
    "OutboxMessage",
    "SecretKey",
    "Session",
    "Setting",
    "SignInToken",
    "SigningKey",
    "User",
]
