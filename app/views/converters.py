"""URL converters shared by every blueprint."""

from werkzeug.routing import BaseConverter


class ObjectIdConverter(BaseConverter):
    """`prefix_random` ids only: `/users/count` is never read as the user "count"."""

    regex = r"[a-z]+_[0-9A-Za-z]+"


class KindConverter(BaseConverter):
    """An attempt's kind: `sign-in` / `sign-up` in a URL, `sign_in` / `sign_up` in Python."""

    regex = "sign-in|sign-up"

    def to_python(self, value: str) -> str:
        return value.replace("-", "_")

    def to_url(self, kind: str) -> str:
        return kind.replace("_", "-")


class KindsConverter(KindConverter):
    """The JSON API's collections of attempts: `sign-ins` / `sign-ups` for the kinds above."""

    regex = "sign-ins|sign-ups"

    def to_python(self, value: str) -> str:
        return super().to_python(value.removesuffix("s"))

    def to_url(self, kind: str) -> str:
        return super().to_url(kind) + "s"
