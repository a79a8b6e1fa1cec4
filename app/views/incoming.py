"""What a request may carry before any view reads it: named form fields, and no NUL in the path."""

from flask import Request, request
from werkzeug.exceptions import NotFound


class FormRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        # A multipart part without a name comes out keyed None. Flask-WTF's CSRF check reads
        # every key as text, so one such part made every form answer 500. It names no field:
        # drop it.
        for attribute in ("form", "files"):
            fields = self.__dict__[attribute]
            if None in fields:
                self.__dict__[attribute] = type(fields)(
                    (name, value) for name, value in fields.items(multi=True) if name is not None
                )


def refuse_nul_in_path() -> None:
    # No page or id has a NUL (PostgreSQL refuses one in any query): /sign-in/%00 is not found,
    # rather than a 500 from the database.
    if "\x00" in request.path:
        raise NotFound()
