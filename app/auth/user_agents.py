"""Browser and OS names for people: "Chrome 156 on Linux"."""

from functools import lru_cache

from ua_parser import parse

from app.i18n import Text, _l

# Only names from these lists are ever shown. The User-Agent is free text its sender chooses, and
# ua-parser passes much of it through as a "family" (the whole of "Latchkey Security Check - safe
# to approve bot" comes back as a browser name): shown in an email or on the approval page, it
# would speak with our voice.
BROWSERS = frozenset(
    {
        "Chrome",
        "Chrome Mobile",
        "Chrome Mobile iOS",
        "Chrome Mobile WebView",
        "Chromium",
        "HeadlessChrome",
        "Edge",
        "Edge Mobile",
        "Firefox",
        "Firefox Mobile",
        "Firefox iOS",
        "Safari",
        "Mobile Safari",
        "Mobile Safari UI/WKWebView",
        "Opera",
        "Opera Mobile",
        "Samsung Internet",
        "Brave",
        "Vivaldi",
        "Yandex Browser",
        "UC Browser",
        "IE",
    }
)
SYSTEMS = frozenset(
    {
        "Windows",
        "Mac OS X",
        "iOS",
        "Android",
        "Linux",
        "Ubuntu",
        "Debian",
        "Fedora",
        "Chrome OS",
        "FreeBSD",
    }
)


@lru_cache(maxsize=1024)
def describe(user_agent: str | None) -> str | Text:
    """ "Chrome 156 on Linux", in names from the lists above only; else "Unknown browser". A
    label that stands alone (a table cell, after "Browser:"), in the reader's language (lazy)."""
    result = parse(user_agent or "")
    agent, system = result.user_agent, result.os
    browser = agent.family if agent and agent.family in BROWSERS else None
    major = agent.major if agent else None
    if browser and major and major.isascii() and major.isdigit() and len(major) <= 5:
        browser = f"{browser} {major}"
    system = system.family if system and system.family in SYSTEMS else None
    if system:
        return _l(
            "%(browser)s on %(system)s", browser=browser or _l("Unknown browser"), system=system
        )
    return browser or _l("Unknown browser")
