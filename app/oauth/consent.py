"""Consent: a third-party app asks once per user and scope set; "Connected apps" takes it back."""

from datetime import datetime

from sqlalchemy import delete, or_, select

from app.auth.audit import record
from app.auth.origin import Origin
from app.extensions import db
from app.models import OAuthApplication, OAuthConsent, OAuthGrant
from app.oauth.grants import revoke_grants


def _consent(user_id: str, application_id: str) -> OAuthConsent | None:
    return db.session.scalar(
        select(OAuthConsent).where(
            OAuthConsent.user_id == user_id, OAuthConsent.application_id == application_id
        )
    )


def needs_consent(user_id: str, application: OAuthApplication, scope: str) -> bool:
    """Whether to ask: never for a first-party app, else unless these scopes were all granted."""
    if application.first_party:
        return False
    consent = _consent(user_id, application.id)
    return consent is None or not set(scope.split()) <= set(consent.scope.split())


def give_consent(user_id: str, application: OAuthApplication, scope: str, origin: Origin):
    """Remember the person's yes: the scopes add to what they granted the app before."""
    consent = _consent(user_id, application.id)
    if consent is None:
        consent = OAuthConsent(user_id=user_id, application_id=application.id, scope="")
        db.session.add(consent)
    consent.scope = " ".join(sorted(set(consent.scope.split()) | set(scope.split())))
    record("oauth.consent_given", origin, user_id=user_id, subject_id=application.id, scope=scope)


def connected_applications(user_id: str) -> list[tuple[OAuthApplication, str]]:
    """The apps the user let in (consent) or that hold a grant of theirs, with the scopes."""
    consents = {
        consent.application_id: consent.scope
        for consent in db.session.scalars(
            select(OAuthConsent).where(OAuthConsent.user_id == user_id)
        )
    }
    granted = select(OAuthGrant.application_id).where(
        OAuthGrant.user_id == user_id, OAuthGrant.revoked_at.is_(None)
    )
    applications = db.session.scalars(
        select(OAuthApplication)
        .where(or_(OAuthApplication.id.in_(consents), OAuthApplication.id.in_(granted)))
        .order_by(OAuthApplication.name)
    )
    return [(application, consents.get(application.id, "")) for application in applications]


def disconnect(user_id: str, application_id: str, origin: Origin, now: datetime) -> None:
    """The app loses its consent and every token it holds for the user."""
    db.session.execute(
        delete(OAuthConsent).where(
            OAuthConsent.user_id == user_id, OAuthConsent.application_id == application_id
        )
    )
    revoke_grants(
        OAuthGrant.user_id == user_id, OAuthGrant.application_id == application_id, now=now
    )
    record("oauth.app_disconnected", origin, user_id=user_id, subject_id=application_id)
