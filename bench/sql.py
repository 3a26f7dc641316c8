"""Raw SQL helpers: the alternative's queries are written the way a careful hand would."""

from django.db import connection

# Upper bound for a prefix range: sorts after every string that starts with the prefix.
_TOP = "\U0010ffff"


def prefix_params(prefix: str) -> tuple:
    """Parameters for a "starts with" condition that the column's plain index can serve.

    SQLite's LIKE is case-insensitive and cannot use an ordinary (BINARY) index, so SQLite gets a
    range (``col >= %s AND col < %s``); PostgreSQL gets ``col LIKE %s``, which Django's
    varchar_pattern_ops index serves.
    """
    if connection.vendor == "sqlite":
        return (prefix, prefix + _TOP)
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (escaped + "%",)


def for_vendor(queries: dict[str, str]) -> str:
    return queries[connection.vendor]
