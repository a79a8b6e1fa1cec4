"""Email addresses as text: checked and normalised, masked for display, folded to the mailbox
they reach (for quotas), and written for SMTP."""

from email_validator import EmailNotValidError, validate_email

from app.auth.errors import InvalidEmail

MAX_LENGTH = 320
NON_ASCII_MAILBOX = "We can't send to accented or non-Latin letters before the @ sign."


def _validate(address: str):
    # allow_smtputf8=False: Flask-Mail cannot send to a non-ASCII mailbox name, so such an
    # address is refused here rather than given a link that can never arrive. Domains may be
    # international (IDNA 2008); they go out as punycode (see smtp_address).
    return validate_email(address, check_deliverability=False, allow_smtputf8=False)


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
        checked = _validate(typed)
    except EmailNotValidError as error:
        reason = str(error)
        if not typed.rpartition("@")[0].isascii():
            reason = NON_ASCII_MAILBOX
        raise InvalidEmail(f"Enter a valid email address. {reason}") from None
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
