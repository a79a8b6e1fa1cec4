"""Where a request came from, as the domain sees it: no request object, just these values."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    """Where a request came from: the browser's client id, its IP and user agent."""

    client_id: str | None = None
    ip: str | None = None
    user_agent: str = ""
    # The browser's cookie secret, so that a flow which succeeds can make the client row then
    # (clients.with_client): a request that fails leaves no row behind. Never logged.
    client_secret: str | None = field(default=None, repr=False)
