"""Twenty requests racing for one link over real HTTP: exactly one wins."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select

from app.extensions import db
from app.models import Session


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies to http://127.0.0.1, as browsers do for loopback."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_twenty_racing_posts_of_one_link_make_exactly_one_session(live_server, live_app, mailbox):
    jar = http.cookiejar.CookieJar(LoopbackPolicy())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{live_server}/sign-up").read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "email_address": "grace@example.com"})
    try:
        opener.open(f"{live_server}/sign-up", form.encode())
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
    token = mailbox.token("grace@example.com")
    body = urllib.parse.urlencode({"csrf_token": csrf, "token": token}).encode()
    statuses, barrier = [], threading.Barrier(20)

    def post():
        barrier.wait()
        try:
            statuses.append(opener.open(f"{live_server}/verify", body).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [410] * 19
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Session)) == 1
