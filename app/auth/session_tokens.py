"""Session tokens: short-lived JWTs that say "this user is signed in with this session", in the
hosted service's format, so a backend built on its SDKs verifies them unchanged (SPEC §9)."""

import calendar
import secrets
from datetime import datetime

from app.auth import signing_keys
from app.auth.errors import FormParamInvalid, SessionNotActive
from app.auth.sessions import still_active
from app.auth.settings import setting
from app.models import Session

# The hosted service's session-token version whose claims these are (`fva`, `azp`, no `aud`).
TOKEN_VERSION = 2
NOT_VERIFIED = -1  # an `fva` entry for a factor never verified: Latchkey has no second factor


def _seconds(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple())  # the clock's naive UTC, as a Unix time


def mint_session_token(
    session: Session,
    now: datetime,
    expires_in: int | None = None,
    *,
    authorized_party: str | None = None,
) -> str:
    """A signed JWT for an active session, valid `expires_in` seconds (SESSION_TOKEN_TTL when
    None); `authorized_party` is the origin it was minted for, when one is known (`azp`).

    Nothing is stored and nothing audited: a backend may mint one a minute per signed-in user,
    and a row each would outgrow the rest of the database. The token cannot be recalled: it
    stays valid until its `exp` even if the session ends, which is why it lives a minute.
    Raises SessionNotActive for a session that ended, was revoked or has expired, or whose user
    is banned; FormParamInvalid for a lifetime out of range.
    """
    if expires_in is None:
        expires_in = setting("SESSION_TOKEN_TTL")  # the operator's choice, not checked here
    elif not 1 <= expires_in <= signing_keys.MAX_SESSION_TOKEN_TTL:
        raise FormParamInvalid(
            f"expires_in_seconds must be between 1 and {signing_keys.MAX_SESSION_TOKEN_TTL}.",
            param="expires_in_seconds",
        )
    if not still_active(session, now):
        raise SessionNotActive()
    issued = _seconds(now)
    claims = {
        "iss": setting("PUBLIC_URL"),
        "sub": session.user_id,
        "sid": session.id,
        "iat": issued,
        "nbf": issued,
        "exp": issued + expires_in,
        "jti": secrets.token_urlsafe(16),
        "v": TOKEN_VERSION,
        # Minutes since the first factor was verified, which is when the session began (a
        # sign-in is one email link or token), and the second factor's: never.
        "fva": [max(0, (issued - _seconds(session.created_at)) // 60), NOT_VERIFIED],
    }
    if authorized_party:
        claims["azp"] = authorized_party
    return signing_keys.sign(claims, now, signing_keys.SESSIONS)
