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


class OwnAccount(AuthError):
    status = 409
    code = "action_not_allowed"
    message = "You cannot do this to your own account: ask another administrator."


class FormParamMissing(AuthError):
    status = 422
    code = "form_param_missing"

    def __init__(self, param: str):
        super().__init__(f"{param} is missing.", param=param)


class FormParamInvalid(AuthError):
    status = 422
    code = "form_param_value_invalid"


class FormParamFormat(AuthError):
    status = 422
    code = "form_param_format_invalid"


class SignInTokenCannotBeRevoked(AuthError):
    status = 400
    code = "sign_in_token_cannot_be_revoked"
    message = "Only a pending sign-in token can be revoked."


class TokenError(AuthError):
    """A sign-in token that cannot be used: each reason has its own page (SPEC §3)."""

    reason = "invalid"


class TokenInvalid(TokenError):
    message = "This sign-in link is invalid. Check that you copied the whole link."


class TokenExpired(TokenError):
    status = 410
    reason = "expired"
    message = "This sign-in link has expired. Ask for a new one."


class TokenRevoked(TokenError):
    status = 410
    reason = "revoked"
    message = "This sign-in link has been revoked."


class TokenAlreadyUsed(TokenError):
    status = 410
    reason = "already_used"
    message = "This sign-in link has already been used."


class TokenUserBanned(TokenError):
    status = 403
    reason = "banned"
    message = UserBanned.message
