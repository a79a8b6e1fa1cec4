"""Sign-up by email link: start an attempt for an address nobody has verified yet."""

from datetime import datetime

from app.auth.address_text import normalize_email
from app.auth.attempts import start_attempt
from app.auth.errors import EmailTaken
from app.auth.origin import Origin
from app.auth.redirects import check_redirect_url
from app.auth.settings import setting
from app.auth.users import owner_of
from app.models import Attempt


def start_sign_up(
    raw_email: str | None, origin: Origin, now: datetime, redirect_url: str | None = None
) -> Attempt:
    """Email a sign-up link; the account is created when the link is used.

    An address another user has verified is refused ("That email address is taken.") unless
    enumeration protection is on: then the email offers a sign-in link to that account instead.
    """
    redirect_url = check_redirect_url(redirect_url, setting("ALLOWED_REDIRECT_ORIGINS"))
    email, normalized = normalize_email(raw_email)
    owner = owner_of(normalized)
    if owner is not None and not setting("ENUMERATION_PROTECTION"):
        raise EmailTaken()
    return start_attempt(
        "sign_up",
        email,
        normalized,
        origin,
        now,
        email_case="sign_up_existing" if owner else "sign_up",
        user_id=owner.id if owner else None,
        redirect_url=redirect_url,
    )
