"""Sign-in by email link: start an attempt for an existing account."""

from datetime import datetime

from app.auth.address_text import normalize_email
from app.auth.attempts import start_attempt
from app.auth.errors import AccountNotFound, UserBanned
from app.auth.origin import Origin
from app.auth.redirects import check_redirect_url
from app.auth.settings import setting
from app.auth.users import owner_of
from app.models import Attempt


def start_sign_in(
    raw_email: str | None, origin: Origin, now: datetime, redirect_url: str | None = None
) -> Attempt:
    """Email a sign-in link to the owner of the address.

    An unknown address is refused with "Couldn't find your account." unless enumeration
    protection is on: then the flow looks the same and the email offers to create the account.
    """
    redirect_url = check_redirect_url(redirect_url, setting("ALLOWED_REDIRECT_ORIGINS"))
    email, normalized = normalize_email(raw_email)
    user = owner_of(normalized)
    protected = setting("ENUMERATION_PROTECTION")
    if user is None and not protected:
        raise AccountNotFound()
    if user is not None and user.banned and not protected:
        raise UserBanned()
    return start_attempt(
        "sign_in",
        email,
        normalized,
        origin,
        now,
        email_case="sign_in" if user else "sign_in_unknown",
        user_id=user.id if user else None,
        redirect_url=redirect_url,
    )
