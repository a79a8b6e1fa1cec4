"""Latchkey under gunicorn in a subprocess, configured by environment as an operator would, for
tests that need what the test client and Werkzeug's server cannot give: real TLS, a real
server's handling of proxy headers."""

import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from app.config import ROOT
from tests.conftest import free_port

THREADS = 8  # one worker with this many threads: what a flood of long-polls would starve


@contextmanager
def gunicorn(env: dict[str, str], log: Path, certificate=None):
    """Serve wsgi:app on a free loopback port until the block ends; yields the base URL.

    With a `certificate` (see the fixture) it serves HTTPS, and the base URL is https://.
    """
    port = free_port()
    scheme = "https" if certificate else "http"
    url = f"{scheme}://127.0.0.1:{port}"
    command = [sys.executable, *"-m gunicorn -k gthread -w 1 --threads".split(), str(THREADS)]
    command += ["-b", f"127.0.0.1:{port}"]
    if certificate:
        command += ["--certfile", str(certificate.cert), "--keyfile", str(certificate.key)]
    environment = {**os.environ, "PUBLIC_URL": url, **env}
    with log.open("a") as output:
        process = subprocess.Popen(
            [*command, "wsgi:app"], cwd=ROOT, env=environment, stdout=output, stderr=output
        )
    try:
        wait_until_healthy(process, url, certificate, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(process, url: str, certificate, log: Path) -> None:
    # Over TLS, the test's own certificate is the only one trusted: the handshake is checked.
    context = ssl.create_default_context(cafile=str(certificate.cert)) if certificate else None
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2, context=context):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.1)
