"""Typed domain errors. Views map them to pages and the API to JSON in one place each."""

import math


class AuthError(Exception):
    """A failure the person can understand: `message` is shown to them as it is."""

    status = 400
    code = "form_param_value_invalid"
    message = "Something went wrong."
    param = None

    def __init__(self, message: str | None = None, *, param: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.param = param or self.param


class InvalidEmail(AuthError):
    status = 422
    code = "form_param_format_invalid"
    message = "Enter a valid email address."
    param = "email_address"


class AccountNotFound(AuthError):
    status = 422
    code = "form_identifier_not_found"
    message = "Couldn't find your account."
    param = "email_address"


class EmailTaken(AuthError):
    status = 422
    code = "form_identifier_exists"
    message = "That email address is taken. Please try another."
    param = "email_address"


class RedirectNotAllowed(AuthError):
    status = 422
    code = "form_param_value_invalid"
    message = "That redirect URL is not allowed."
    param = "redirect_url"


class UserBanned(AuthError):
    status = 403
    code = "user_banned"
    message = "This account has been banned. Contact the site's administrators."


class RateLimited(AuthError):
    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: float, message: str = "Too many emails. Try again in {s}."):
        seconds = max(1, math.ceil(retry_after))
        super().__init__(message.format(s=f"{seconds} second{'s' if seconds != 1 else ''}"))
        self.retry_after = seconds


class NotFound(AuthError):
    status = 404
    code = "resource_not_found"
    message = "Not found."


class AttemptClosed(AuthError):
    status = 409
    code = "attempt_closed"
    message = "This request is no longer active. Start again."


class LinkError(AuthError):
    """A link that cannot be used; `reason` picks the page: expired, failed or client_mismatch."""

    reason = "failed"


class LinkInvalid(LinkError):
    message = "This link is invalid. Check that you copied the whole link, or request a new one."


class LinkAlreadyUsed(LinkError):
    status = 410
    message = "This link has already been used. Request a new one if you still need to sign in."


class LinkReplaced(LinkError):
    status = 410
    message = "A newer link was sent for this request. Use the link in the most recent email."


class LinkCancelled(LinkError):
    status = 410
    message = "This request was cancelled. Start again to get a new link."


class LinkExpired(LinkError):
    status = 410
    reason = "expired"
    message = "This link has expired."


class ClientMismatch(LinkError):
    status = 403
    reason = "client_mismatch"
    message = (
        "This link must be opened in the browser where it was requested. "
        "Copy it into that browser, or request a new link here."
    )


class LinkUserBanned(LinkError):
    status = 403
    message = UserBanned.message


class LinkAddressTaken(LinkError):
    status = 409
    message = "That email address has been verified by another account."
