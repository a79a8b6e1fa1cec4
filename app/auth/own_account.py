"""What a signed-in person does to their own account: name it, or delete it."""

import unicodedata

from app.auth.accounts import erase_user, update_user
from app.auth.admins import is_last_admin
from app.auth.errors import FormParamInvalid, OwnAccount
from app.auth.origin import Origin
from app.i18n import _l
from app.models import User

MAX_NAME = 255  # the columns' width, as /v1 allows
# Embeddings, overrides and isolates: they turn the text after them around ("Ada\u202egnp.exe"
# shows as "Adaexe.png"), so a name could pass for another on an admin's page.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class LastAdmin(OwnAccount):
    """Refused for the site's sake: with its last administrator gone, only the command line
    could make another."""

    message = _l(
        "You are the only administrator. Make someone else an administrator before you "
        "delete your account."
    )


def _checked_name(text: str | None, field: str) -> str | None:
    """The name as typed, its spaces and line breaks made single spaces; None if empty. Other
    control characters (a NUL fails in PostgreSQL) are refused, not stored."""
    name = " ".join((text or "").split())
    if len(name) > MAX_NAME:
        raise FormParamInvalid(
            _l("A name can be at most %(max)d characters long.", max=MAX_NAME), param=field
        )
    if any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in name):
        raise FormParamInvalid(_l("That name has characters that cannot be used."), param=field)
    return name or None


def change_name(
    user: User, first_name: str | None, last_name: str | None, origin: Origin | None = None
) -> User:
    """The user's own first and last name: apps they sign in to are told it (given_name,
    family_name) and the profile greets them by it. Empty clears it."""
    names = {
        "first_name": _checked_name(first_name, "first_name"),
        "last_name": _checked_name(last_name, "last_name"),
    }
    return update_user(user, names, origin, actor_id=user.id)


def refusal_to_delete(user: User) -> LastAdmin | None:
    """Why the user may not delete their account now, if they may not: the site's last
    administrator stays. The confirmation page says it before anyone presses a button."""
    return LastAdmin() if is_last_admin(user) else None


def delete_own_account(user: User, origin: Origin | None = None) -> None:
    """The person deletes their account as an admin deletes one (erase_user): every browser and
    app of theirs is signed out."""
    refusal = refusal_to_delete(user)
    if refusal is not None:
        raise refusal
    erase_user(user, origin, actor_id=user.id)
