"""A cookie-keeping HTTP client for tests that race real requests against the live server."""

import http.cookiejar
import threading
import urllib.error
import urllib.request


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies to http://127.0.0.1, as browsers do for loopback."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser_opener() -> urllib.request.OpenerDirector:
    """One client: a cookie jar, and redirects answered, not followed."""
    jar = http.cookiejar.CookieJar(LoopbackPolicy())
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def plain_opener() -> urllib.request.OpenerDirector:
    """No cookie jar (send cookies by header), redirects answered, not followed."""
    return urllib.request.build_opener(NoRedirect)


def cookie_header(opener) -> str:
    """The Cookie header the opener's jar holds now."""
    [jar] = [h.cookiejar for h in opener.handlers if hasattr(h, "cookiejar")]
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def status_of(opener, url: str, body: bytes | None = None) -> int:
    try:
        return opener.open(url, body).status
    except urllib.error.HTTPError as error:
        return error.code


def race(opener, url: str, body: bytes, racers: int = 20) -> list[int]:
    """POST the same body from `racers` threads released at once; their statuses, sorted."""
    return race_bodies(opener, url, [body] * racers)


def race_bodies(opener, url: str, bodies: list[bytes], headers=None) -> list[int]:
    """POST each body from a thread of its own, all released at once; their statuses, sorted."""
    return race_requests(
        opener, [urllib.request.Request(url, body, headers=headers or {}) for body in bodies]
    )


def race_requests(opener, requests: list[urllib.request.Request]) -> list[int]:
    """Send each request from a thread of its own, all released at once; their statuses, sorted."""
    statuses, barrier = [], threading.Barrier(len(requests))

    def send(request):
        barrier.wait()
        statuses.append(status_of(opener, request))

    threads = [threading.Thread(target=send, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)
