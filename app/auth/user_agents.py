"""Browser and OS names for people: "Chrome 156 on Linux"."""

from functools import lru_cache

from ua_parser import parse


@lru_cache(maxsize=1024)
def describe(user_agent: str | None) -> str:
    result = parse(user_agent or "")
    browser = result.user_agent.family if result.user_agent else None
    if browser and result.user_agent.major:
        browser = f"{browser} {result.user_agent.major}"
    system = result.os.family if result.os else None
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "an unknown browser"
