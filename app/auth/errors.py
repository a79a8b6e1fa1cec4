"""Typed domain errors: what went wrong, in words the person can read. How each is answered (an
HTTP status, a page, a SPEC §5 code) is for the views to say, in one table: app/views/errors.py."""

import math

from app.i18n import N_, _l, duration, lazy, ngettext_l
from app.refusals import Refusal


class AuthError(Refusal):
    """The domain's refusals: a flow, a token or an account says no."""


class InvalidEmail(AuthError):
    message = _l("Enter a valid email address.")
    param = "email_address"


class AccountNotFound(AuthError):
    message = _l("Couldn't find your account.")
    param = "email_address"


class EmailTaken(AuthError):
    message = _l("That email address is taken. Please try another.")
    param = "email_address"


class RedirectNotAllowed(AuthError):
    message = _l("That redirect URL is not allowed.")
    param = "redirect_url"


class UserBanned(AuthError):
    message = _l("This account has been banned. Contact the site's administrators.")


class RateLimited(AuthError):
    """Refused for now, for `reason`; the message says when to try again: "in 9 minutes". The
    reason is in the JSON answer's meta, so the waiting page's script says the same words."""

    MESSAGES = {
        "emails": N_("Too many emails. Try again in %(wait)s."),
        "resend_cooldown": N_("You can request another email in %(wait)s."),
        "address": N_("Too many emails were sent to this address. Try again in %(wait)s."),
        "address_in_all": N_(
            "Too many emails were sent to this address. Try again in %(wait)s, "
            "or from a browser you have signed in with before."
        ),
        "codes_paused": N_(
            "Too many wrong codes were entered for this address today, so codes for it are "
            "paused. Use the link in the email."
        ),
    }

    def __init__(self, retry_after: float, reason: str = "emails"):
        seconds = max(1, math.ceil(retry_after))
        super().__init__(_l(self.MESSAGES[reason], wait=lazy(duration, seconds)))
        self.retry_after = seconds
        self.meta = {"reason": reason}


class NotFound(AuthError):
    message = _l("Not found.")


class AttemptClosed(AuthError):
    message = _l("This request is no longer active. Start again.")


class LinkError(AuthError):
    """A link that cannot be used; `reason` picks the page: expired, failed or client_mismatch."""

    reason = "failed"


class LinkInvalid(LinkError):
    message = _l(
        "This link is invalid. Check that you copied the whole link, or request a new one."
    )


class LinkAlreadyUsed(LinkError):
    message = _l("This link has already been used. Request a new one if you still need to sign in.")


class LinkReplaced(LinkError):
    message = _l("A newer link was sent for this request. Use the link in the most recent email.")


class LinkCancelled(LinkError):
    message = _l("This request was cancelled. Start again to get a new link.")


class LinkExpired(LinkError):
    reason = "expired"
    message = _l("This link has expired.")


class ClientMismatch(LinkError):
    reason = "client_mismatch"
    message = _l(
        "This link must be opened in the browser where it was requested. "
        "Copy it into that browser, or request a new link here."
    )


class LinkUserBanned(LinkError):
    message = UserBanned.message


class LinkAddressTaken(LinkError):
    message = _l("That email address has been verified by another account.")


class AttemptFailed(LinkError):
    """The attempt was stopped for safety (SPEC §10): its link and code no longer work."""

    MESSAGES = {
        "too_many_codes": _l(
            "Too many wrong codes were entered, so this request was stopped. "
            "Start again to get a new email."
        ),
        "wrong_number": _l(
            "The number typed on the approving device did not match, so this request was "
            "stopped. Nobody was signed in. Start again to get a new email."
        ),
        "denied": _l(
            "This request was stopped from the email: “This wasn't me”. "
            "Start again to get a new email."
        ),
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason])


class NumberMissing(AuthError):
    message = _l("Type the two-digit number shown in the tab where you asked to sign in.")
    param = "number"


class CodeMalformed(AuthError):
    message = _l("Enter the 6-digit code from the email.")
    param = "code"


class CodeIncorrect(AuthError):
    """A wrong code, and how many more may be tried before the attempt fails."""

    param = "code"

    def __init__(self, tries_left: int):
        if tries_left:
            message = ngettext_l(
                "That code isn't right. %(num)d try left.",
                "That code isn't right. %(num)d tries left.",
                tries_left,
            )
        else:
            message = _l(
                "That code isn't right, and that was the last try: this request was stopped."
            )
        super().__init__(message)
        self.meta = {"tries_left": tries_left}


class CodeReplaced(AuthError):
    message = _l("That code is from an earlier email. Use the code in the most recent one.")
    param = "code"


class NoCode(AuthError):
    message = _l("The email for this request has no code: use its link.")
    param = "code"
    meta = {"reason": "no_code"}


class CodeExpired(AuthError):
    message = _l("This code has expired. Send a new email to get a new code.")
    param = "code"


class CodeAlreadyUsed(AuthError):
    message = _l("This code, or the link beside it, has already been used.")
    param = "code"


class OwnAccount(AuthError):
    message = _l("You cannot do this to your own account: ask another administrator.")


class FormParamMissing(AuthError):
    def __init__(self, param: str):
        super().__init__(_l("%(param)s is missing.", param=param), param=param)


class FormParamInvalid(AuthError):
    """A value that is not one of those allowed (out of range, unknown, not allowed here)."""


class FormParamFormat(AuthError):
    """A value of the wrong kind (text for a number, a list for a string)."""


class SignInTokenCannotBeRevoked(AuthError):
    message = _l("Only a pending sign-in token can be revoked.")


class SessionNotActive(AuthError):
    message = _l("This session is not active: it has ended, been revoked or expired.")
    param = "session_id"


class TokenError(AuthError):
    """A sign-in token that cannot be used: each reason has its own page (SPEC §3), whose
    heading says what is wrong and this message what to do."""

    reason = "invalid"


class TokenInvalid(TokenError):
    message = _l("Check that you copied the whole link. If it still fails, ask for a new one.")


class TokenExpired(TokenError):
    reason = "expired"
    message = _l(
        "Sign-in links work for a limited time only. Ask for a new one where you got this one."
    )


class TokenRevoked(TokenError):
    reason = "revoked"
    message = _l(
        "The site that made it has cancelled it. Ask for a new one where you got this one."
    )


class TokenAlreadyUsed(TokenError):
    reason = "already_used"
    message = _l("A sign-in link works only once. Ask for a new one where you got this one.")


class TokenUserBanned(TokenError):
    reason = "banned"
    message = UserBanned.message
