"""The request class: form bodies as the views and Flask-WTF's CSRF check expect them."""

from flask import Request


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
