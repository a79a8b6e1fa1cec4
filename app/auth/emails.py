"""Email address checks: one syntax check and one comparison key for every flow."""

from email_validator import EmailNotValidError, validate_email

from app.auth.errors import InvalidEmail

MAX_LENGTH = 320


def normalize_email(raw: str | None) -> tuple[str, str]:
    """The address as typed (trimmed, for display) and its key (for comparison).

    Raises InvalidEmail with a message fit for the form.
    """
    typed = (raw or "").strip()
    if not typed:
        raise InvalidEmail("Enter your email address.")
    if len(typed) > MAX_LENGTH:
        raise InvalidEmail("That email address is too long.")
    try:
        checked = validate_email(typed, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(f"Enter a valid email address. {error}") from None
    return typed, checked.normalized.lower()
