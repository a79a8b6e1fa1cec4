"""Flask's signed cookie session, read only when a request uses it.

The waiting tab's status poll carries the session cookie but never reads it: checking the
signature and decoding the payload was a quarter of that request's cost. So the session decodes on
first use, and a request that never used it leaves the cookie as it was. The signing serializer
is also built once per set of keys rather than on every request.
"""

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature


class LazySession(SecureCookieSession):
    """A SecureCookieSession whose payload is checked and decoded on first use."""

    def __init__(self, load) -> None:
        super().__init__()
        self._load = load

    @property
    def loaded(self) -> bool:
        return self._load is None

    def _ensure_loaded(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            dict.update(self, load())  # not an update by the app: modified stays False


def _loading_first(name: str):
    method = getattr(SecureCookieSession, name)

    def loaded(self, *args, **kwargs):
        self._ensure_loaded()
        return method(self, *args, **kwargs)

    loaded.__name__ = name
    return loaded


# Everything a dict does with its items loads it first: every method dict has (dict's own
# methods never call each other), but those about the type or the object itself.
_NOT_ABOUT_ITEMS = {
    "__class_getitem__",
    "__doc__",
    "__getattribute__",
    "__hash__",
    "__init__",
    "__new__",
    "__sizeof__",
    "fromkeys",
}
for _name in vars(dict):
    if _name not in _NOT_ABOUT_ITEMS:
        setattr(LazySession, _name, _loading_first(_name))


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers = {}

    def get_signing_serializer(self, app):
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        max_age = int(app.permanent_session_lifetime.total_seconds())

        def load() -> dict:
            if not value:
                return {}
            try:
                return serializer.loads(value, max_age=max_age)
            except BadSignature:
                return {}

        return LazySession(load)

    def save_session(self, app, session, response) -> None:
        if isinstance(session, LazySession) and not session.loaded:
            return  # never read, so never changed: the cookie stays as it was
        super().save_session(app, session, response)
