"""Paging and searching list pages: ?page=N read leniently, what a pager shows, search terms."""

from dataclasses import dataclass

from flask import request

MAX_PAGE = 100_000  # a hand-edited ?page= must not overflow the database's OFFSET


@dataclass(frozen=True)
class Page:
    """One page of a list: which rows to read, and what the pager shows."""

    number: int
    size: int
    total: int = 0

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


def requested_page(size: int) -> Page:
    """?page=N; a missing or nonsensical number shows page 1 rather than an error."""
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 1
    return Page(min(max(number, 1), MAX_PAGE), size)


def search_term(name: str, max_length: int) -> str:
    """?name=…, trimmed and cut to the column's width. A NUL is dropped: no stored text holds
    one, and PostgreSQL refuses it in a query (a 500)."""
    return request.args.get(name, "").replace("\x00", "").strip()[:max_length]
