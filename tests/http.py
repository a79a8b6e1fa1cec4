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


def status_of(opener, url: str, body: bytes | None = None) -> int:
    try:
        return opener.open(url, body).status
    except urllib.error.HTTPError as error:
        return error.code


def race(opener, url: str, body: bytes, racers: int = 20) -> list[int]:
    """POST the same body from `racers` threads released at once; their statuses, sorted."""
    statuses, barrier = [], threading.Barrier(racers)

    def post():
        barrier.wait()
        statuses.append(status_of(opener, url, body))

    threads = [threading.Thread(target=post) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)
