"""Email addresses as text: checked and normalised, masked for display, folded to the mailbox
they reach (for quotas), and written for SMTP."""

import re

from email_validator import EmailNotValidError, validate_email

from app.auth.errors import InvalidEmail
from app.i18n import _l

MAX_LENGTH = 320
TOO_LONG = _l("That email address is too long.")
ANY_REASON = InvalidEmail.message  # "Enter a valid email address."

# email-validator explains a refusal in English, naming the characters at fault; a person reads
# ours instead, in their language. Its reasons (with check_deliverability and allow_smtputf8 off,
# as _validate asks) -> our words; the first pattern found wins, and a reason none names (no @
# at all, or a new version's) is answered with ANY_REASON.
REASONS = (
    (
        r"Internationalized characters before",
        _l("We can't send to accented or non-Latin letters before the @ sign."),
    ),
    (r"too long|so many characters", TOO_LONG),
    (
        r"full-width|small commercial at",
        _l("That @ sign only looks like one: type the @ from your keyboard."),
    ),
    (r"something before the @-sign", _l("Enter the part before the @ sign.")),
    (r"something after the @-sign", _l("Enter the part after the @ sign, such as example.com.")),
    (
        r"display name|angle bracket|anything after the email address",
        _l("Enter the address alone, without a name or angle brackets: name@example.com."),
    ),
    (r"[Qq]uot", _l("Enter the address without quotation marks.")),
    (r"bracket", _l("Enter a domain name after the @ sign, not an IP address.")),
    (
        r"unsafe characters",
        _l("The address has an invisible or control character. Type it again by hand."),
    ),
    (
        r"after the @-sign contains invalid",
        _l(
            "The part after the @ sign can only have letters, digits, hyphens and dots, as in "
            "example.com."
        ),
    ),
    (
        r"cannot (start with|end with|have) (a|two) (period|hyphen)",
        _l(
            "Check the dots and hyphens: an address cannot start or end with one, have one "
            "beside the @ sign, or have two together."
        ),
    ),
    (
        r"after the @-sign",
        _l(
            "The part after the @ sign must be a domain that can receive email, such as "
            "example.com."
        ),
    ),
    (
        r"before the @-sign|invalid character",
        _l("The part before the @ sign has a space or a symbol that an email address cannot have."),
    ),
)


def _validate(address: str):
    # allow_smtputf8=False: Flask-Mail cannot send to a non-ASCII mailbox name, so such an
    # address is refused here rather than given a link that can never arrive. Domains may be
    # international (IDNA 2008); they go out as punycode (see smtp_address).
    return validate_email(address, check_deliverability=False, allow_smtputf8=False)


def _reason(error: EmailNotValidError):
    """Our words for email-validator's reason."""
    return next((words for pattern, words in REASONS if re.search(pattern, str(error))), ANY_REASON)


def normalize_email(raw: str | None) -> tuple[str, str]:
    """The address as typed (trimmed, for display) and its key (for comparison).

    Raises InvalidEmail with a message fit for the form.
    """
    typed = (raw or "").strip()
    if not typed:
        raise InvalidEmail(_l("Enter your email address."))
    if len(typed) > MAX_LENGTH:
        raise InvalidEmail(TOO_LONG)
    try:
        checked = _validate(typed)
    except EmailNotValidError as error:
        raise InvalidEmail(_reason(error)) from None
    return typed, checked.normalized.lower()


def mask_email(address: str) -> str:
    """ "a•••a@example.com": enough for its owner to recognise, too little to harvest."""
    local, _, domain = address.rpartition("@")
    shown = local[0] + "•••" + (local[-1] if len(local) > 3 else "")
    return f"{shown}@{domain}"


def smtp_address(typed: str) -> str:
    """The address to hand to SMTP: the domain in the IDNA 2008 punycode the account key uses.

    Left to Flask-Mail, an international domain goes through Python's IDNA 2003 codec, which
    spells faß.de as fass.de: another domain, whose owner would receive the link.
    """
    return _validate(typed).ascii_email


# Domains whose mailboxes ignore dots in the name: g.race@gmail.com is grace@gmail.com.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def quota_address(normalized: str) -> str:
    """The mailbox an address reaches, as the per-address email quota counts it.

    grace+1@example.com and g.race@googlemail.com land in the same inbox as grace@example.com and
    grace@gmail.com; counted apart, each alias would bring its own quota. For the quota only: the
    account, its display and its verification use the address as given.
    """
    local, _, domain = normalized.lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"
