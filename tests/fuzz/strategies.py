"""What a hostile client can send, as Hypothesis strategies, and the settings every fuzz test runs
with: derandomized, so CI meets the same examples each run and is red for a reason."""

import io
import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st


def fuzzing(max_examples: int) -> settings:
    """Fixed examples, no example database, no deadline (the first request warms Jinja up).

    Function-scoped fixtures are fine here: the app and its database live for the whole test
    and every example is a request against them, as from a stream of hostile clients. No
    shrinking: with requests for examples it took minutes on a 2-core machine, and the request
    that failed is in the report as sent (see `send`).
    """
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Any code point, lone surrogates and control characters (NUL, CR, LF, DEL) made frequent.
CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(categories=["Cc", "Cf", "Zl", "Zp"]),
    st.integers(0xD800, 0xDFFF).map(chr),  # (a characters() branch would be merged away)
    st.sampled_from("\x00\r\n\t @<>\"';,%\\/.:+"),
)
# Characters that break things downstream: NUL (PostgreSQL), line breaks (headers), a lone
# surrogate (UTF-8), a percent-escape (double decoding), a BOM and a Unicode line separator.
BREAKERS = st.sampled_from(["\x00", "\r\n", "\n", "\ud800", "%00", "\ufeff", "\u2028"])
TEXT = st.one_of(
    st.text(CHARACTERS, max_size=40),
    st.builds("{}{}{}".format, st.text(max_size=8), BREAKERS, st.text(max_size=8)),
    # Long values: past column widths and the 320-character address limit, short of 64 KB.
    st.builds(
        lambda part, times: part * times,
        st.text(CHARACTERS, min_size=1, max_size=4),
        st.integers(80, 1500),
    ),
)
# Addresses every flow accepts: ASCII mailboxes, any domain, international ones included.
GOOD_ADDRESSES = st.one_of(
    st.emails(),
    st.sampled_from(
        [
            "ada@exämple.com",
            "ada@xn--exmple-cua.com",
            "grace@例え.テスト",
            "alan@faß.de",
            " ADA@EXAMPLE.COM ",
            "ada@example.com",  # the account tests/conftest.py's `user_email` makes
            "o'brien+tag@example.co.uk",
        ]
    ),
)
# And everything else a person or a script may type where an address belongs.
ADDRESSES = st.one_of(
    GOOD_ADDRESSES,
    st.builds("{}@{}".format, TEXT, TEXT),
    st.builds("{}@{}".format, st.emails(), st.emails()),
    st.builds(
        "{}{}{}".format,
        st.emails(),
        st.sampled_from(["\r\n", "\n", "\r", "\x00", "%0d%0a"]),
        TEXT,
    ),
    st.sampled_from(
        [
            "ada@example.com\r\nBcc: eve@evil.example",
            "ada@example.com\nSubject: hello",
            "Ada <ada@example.com>",
            '"ada lovelace"@example.com',
            "ada@example.com, eve@evil.example",
            "ünï@example.com",
            "ada@ｅｘａｍｐｌｅ.com",
            "ada\u200b@example.com",
            "ada@[127.0.0.1]",
            "ada@localhost",
        ]
    ),
)


def on_the_wire(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Text as UTF-8 bytes, lone surrogates kept as their 3-byte form; or raw bytes instead."""
    encoded = text.map(lambda value: value.encode("utf-8", "surrogatepass"))
    return st.one_of(encoded, encoded, encoded, st.binary(max_size=64))


WIRE = on_the_wire(TEXT | ADDRESSES)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@dataclass
class Body:
    """A request body as sent: bytes, its Content-Type (None: no header), and how it was made."""

    content_type: str | None
    data: bytes = b""
    files: dict = field(default_factory=dict)


def urlencoded(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"&".join(
        quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs
    )


def known_fields(fields: dict[str, st.SearchStrategy[bytes]]) -> st.SearchStrategy:
    """(name, value) of one of `fields`, both as bytes."""
    return st.sampled_from(sorted(fields)).flatmap(
        lambda name: st.tuples(st.just(name.encode()), fields[name])
    )


def browser_forms(fields: dict[str, st.SearchStrategy[bytes]]) -> st.SearchStrategy[Body]:
    """Only the form's own fields, urlencoded, as a browser sends them (with any values)."""
    return st.lists(known_fields(fields), max_size=3).map(
        lambda pairs: Body("application/x-www-form-urlencoded", urlencoded(pairs))
    )


@st.composite
def form_bodies(draw, fields: dict[str, st.SearchStrategy[bytes]]) -> Body:
    """A form with `fields` (name: its values on the wire): any of them, repeated or missing, plus
    fields nobody asked for, sent urlencoded (mostly), as multipart with files, as JSON, as text,
    or with no Content-Type at all."""
    known = known_fields(fields)
    pairs = draw(st.lists(st.one_of(known, known, st.tuples(WIRE, WIRE)), max_size=5))
    kind = draw(st.sampled_from(["urlencoded"] * 4 + ["multipart", "json", "text", "none"]))
    if kind == "urlencoded":
        return Body("application/x-www-form-urlencoded", urlencoded(pairs))
    if kind == "multipart":
        files = {}
        for key, value in pairs:
            as_file = draw(st.booleans())
            text_key = key.decode("utf-8", "replace")
            files[text_key] = (
                (io.BytesIO(value), "upload.txt") if as_file else value.decode("utf-8", "replace")
            )
        return Body("multipart/form-data", files=files or {"x": "y"})
    if kind == "json":
        values = JSON_VALUES | ADDRESSES
        document = draw(JSON_VALUES | st.dictionaries(st.sampled_from(sorted(fields)), values))
        return Body("application/json", json.dumps(document).encode())
    raw = urlencoded(pairs) if kind == "text" else b"".join(value for _, value in pairs)
    return Body("text/plain" if kind == "text" else None, raw)


def url(path: str, query: dict[str, bytes | None]) -> str:
    """`path` with a query string of raw bytes: what a browser, or a script, may send."""
    pairs = [
        f"{name}={quote_from_bytes(value)}" for name, value in query.items() if value is not None
    ]
    return f"{path}?{'&'.join(pairs)}" if pairs else path


def send(client, method: str, url: str, body: Body, csrf: str):
    """`body` to `url` from `client`, with the CSRF token in its header (it is valid, so what
    answers is the form, not the CSRF check, unless the body carries a token field of its own)."""
    # Schemathesis mutes Hypothesis' printer for the whole run: say what was sent, for the report.
    sent = f"{method} {url} {body}"
    note(sent if len(sent) < 1000 else f"{sent[:1000]}… ({len(sent)} characters)")
    headers = {"X-CSRFToken": csrf}
    if body.files:  # multipart, built by the test client
        return client.open(url, method=method, data=body.files, headers=headers)
    if body.content_type:
        headers["Content-Type"] = body.content_type
    return client.open(url, method=method, data=body.data, headers=headers)


# A page tells a person what happened: a field error, the status line of an error page, or a flash.
HUMAN_MESSAGE = re.compile(r'class="(?:field-error|status|flash[^"]*)"[^>]*>\s*[^<\s]')


def assert_answered(response) -> None:
    """No 5xx; a refusal explains itself, as a page with a message or as SPEC §5's JSON error."""
    status = response.status_code
    assert status < 500, response.get_data(as_text=True)[:2000]
    if status < 400:
        return
    if response.mimetype == "application/json":
        [error] = response.get_json()["errors"]
        assert error["message"] and error["long_message"] and error["code"]
    else:
        assert response.mimetype == "text/html", response.mimetype
        assert HUMAN_MESSAGE.search(response.get_data(as_text=True)), response.get_data(
            as_text=True
        )
