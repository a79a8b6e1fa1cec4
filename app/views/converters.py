"""URL converters shared by every blueprint."""

from werkzeug.routing import BaseConverter


class ObjectIdConverter(BaseConverter):
    """`prefix_random` ids only: `/users/count` is never read as the user "count"."""

    regex = r"[a-z]+_[0-9A-Za-z]+"
