"""The headers a reverse proxy adds: believed as far as TRUSTED_PROXIES says, noticed otherwise."""

import threading

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# What ProxyFix reads (as WSGI environ keys), and what a proxy may add besides.
X_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")
FORWARDING = (*X_FORWARDED, "HTTP_FORWARDED")


def came_through_proxy(environ: dict) -> bool:
    """Whether a proxy (or a client pretending to be one) had a hand in this request."""
    return any(key in environ for key in FORWARDING)


def register(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # X-Forwarded-Host only on request: many proxies pass on a client's own header as is,
        # and the host decides what this site's origin is (same_origin) for the request.
        host_hops = hops if app.config["TRUST_FORWARDED_HOST"] else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=host_hops)
    else:
        app.wsgi_app = WarnOfUntrustedProxy(app)


class WarnOfUntrustedProxy:
    """WSGI middleware: log once per process that X-Forwarded-* headers arrive unheeded.

    That is how a deployment behind a proxy looks with TRUSTED_PROXIES left at 0: every visitor
    then comes from the proxy's IP, so one visitor's per-IP limits lock out the whole site.
    """

    def __init__(self, app: Flask):
        self.wsgi_app = app.wsgi_app
        self.logger = app.logger
        self.limit = app.config["EMAIL_REQUESTS_PER_IP"]
        self.warned = False
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not self.warned and any(key in environ for key in X_FORWARDED):
            with self.lock:
                if not self.warned:
                    self.warned = True
                    self.logger.warning(
                        "Requests carry X-Forwarded-For/-Proto/-Host headers, but "
                        "TRUSTED_PROXIES is 0, so they are ignored. Behind a reverse proxy "
                        "every visitor then shares the proxy's IP, and the per-IP limits "
                        "(EMAIL_REQUESTS_PER_IP: %s, for one) would lock sign-in for the "
                        "whole site. "
                        "Set TRUSTED_PROXIES to the number of proxies in front of the app.",
                        self.limit,
                    )
        return self.wsgi_app(environ, start_response)
