"""Quoting for the SQL the probe writes itself: literals and identifiers never come from users
unquoted, and every value is cast to the column's exact (schema-qualified) type."""

from __future__ import annotations

import re

_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")


def lit(text: str) -> str:
    """A standard-conforming string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def cast(expr: str | None, type_name: str) -> str:
    """`expr` (SQL) as `type_name`; NULL stays a typed NULL."""
    return f"CAST({expr if expr is not None else 'NULL'} AS {type_name})"


def text_value(value: str | None, type_name: str) -> str:
    """A value read back as text, written again as its column type."""
    return cast(None if value is None else lit(value), type_name)


def column_list(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(ident(n) for n in names)


def row_filter(key: tuple[str, ...], rows: list[tuple[str, ...]], types: dict[str, str]) -> str:
    """A WHERE clause matching exactly these rows: by primary key when the table has one,
    else by (tableoid, ctid). `key` names the columns; `rows` holds their text values."""
    if not rows:
        return "false"
    if key == ("tableoid", "ctid"):
        items = ", ".join(f"({int(t)}::oid, {lit(c)}::tid)" for t, c in rows)
        return f"(tableoid, ctid) IN ({items})"
    cols = ", ".join(ident(k) for k in key)
    items = ", ".join(
        "(" + ", ".join(text_value(v, types[k]) for k, v in zip(key, row, strict=True)) + ")"
        for row in rows
    )
    return f"({cols}) IN ({items})"
