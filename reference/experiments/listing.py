"""The list's page links, built as Django REST framework's limit/offset pagination builds them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit


def next_url(url: str, limit: int, offset: int, count: int) -> str | None:
    if offset + limit >= count:
        return None
    return _with_query(url, limit=limit, offset=offset + limit)


def previous_url(url: str, limit: int, offset: int) -> str | None:
    if offset <= 0:
        return None
    if offset - limit <= 0:
        return _with_query(url, limit=limit, offset=None)
    return _with_query(url, limit=limit, offset=offset - limit)


def _with_query(url: str, **replace: int | None) -> str:
    """``url`` with the given query parameters replaced (None: removed), the query sorted by name."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    query.pop("personal_api_key", None)  # a credential is never copied into a link
    for name, value in replace.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = [str(value)]
    return urlunsplit(parts._replace(query=urlencode(sorted(query.items()), doseq=True)))
