"""Pick, per table, candidate values that its CHECK constraints accept, by asking Postgres itself:
each group of columns tied together by checks becomes a cross join of VALUES lists filtered by
the check expressions, and all groups of all tables go to the server in one statement."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.probe.sqltext import cast, ident

if TYPE_CHECKING:
    import psycopg

MAX_PRODUCT = 20000
BATCH = 40
_VALUE = re.compile(r"\bVALUE\b")


@dataclass
class Group:
    """Columns of one table that CHECK constraints tie together, with their candidates."""

    table: str
    columns: list[str]
    candidates: dict[str, list[str | None]]  # column -> SQL expressions
    types: dict[str, str]  # column -> type to cast candidates to (a domain's base type)
    checks: list[str]  # boolean expressions over the columns

    def query(self) -> str:
        sizes = [max(1, len(self.candidates[c])) for c in self.columns]
        while _product(sizes) > MAX_PRODUCT:
            i = sizes.index(max(sizes))
            sizes[i] = max(1, sizes[i] // 2)
        froms, idx = [], []
        for n, (col, size) in enumerate(zip(self.columns, sizes, strict=True)):
            cands = self.candidates[col][:size] or [None]
            rows = ", ".join(f"({i}, {cast(c, self.types[col])})" for i, c in enumerate(cands))
            froms.append(f"(VALUES {rows}) AS supakit_v{n}(supakit_i{n}, {ident(col)})")
            idx.append(f"supakit_i{n}")
        where = " AND ".join(f"(({c}) IS NOT FALSE)" for c in self.checks) or "true"
        return (f"SELECT ARRAY[{', '.join(idx)}] FROM {' CROSS JOIN '.join(froms)} "
                f"WHERE {where} ORDER BY {' + '.join(idx)}, {', '.join(idx)} LIMIT 1")


def _product(sizes: list[int]) -> int:
    out = 1
    for s in sizes:
        out *= s
    return out


def domain_check(expression: str, column: str) -> str:
    """A domain's CHECK (VALUE ...) as a check on the column."""
    return _VALUE.sub(ident(column), expression)


def groups_for(table: str, free: list[str], checks: list[tuple[tuple[str, ...], str]],
               candidates: dict[str, list[str | None]], types: dict[str, str]) -> list[Group]:
    """Connected groups of `free` columns under the checks that mention only free columns."""
    parent = {c: c for c in free}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    usable = [(cols, expr) for cols, expr in checks if cols and all(c in parent for c in cols)]
    for cols, _ in usable:
        for c in cols[1:]:
            parent[find(c)] = find(cols[0])
    by_root: dict[str, Group] = {}
    for cols, expr in usable:
        root = find(cols[0])
        g = by_root.get(root)
        if g is None:
            g = by_root[root] = Group(table, [], candidates, types, [])
        g.checks.append(expr)
    for c in free:
        g = by_root.get(find(c))
        if g is not None:
            g.columns.append(c)
    return list(by_root.values())


def solve(conn: psycopg.Connection, groups: list[Group]) -> dict[tuple[str, str], int]:
    """(table, column) -> index of the first candidate combination the checks accept. Groups
    the server cannot evaluate (a check that raises on some candidate) keep index 0."""
    out: dict[tuple[str, str], int] = {}
    if not groups:
        return out
    prev = conn.execute("select current_setting('search_path')").fetchone()
    conn.execute("select set_config('search_path', '', true)")
    answers: list[list[int] | None] = []
    try:
        for i in range(0, len(groups), BATCH):  # planning cost grows faster than the batch
            answers += _run_all(conn, groups[i:i + BATCH])
    finally:
        conn.execute("select set_config('search_path', %s, true)", [prev[0] if prev else ""])
    for g, answer in zip(groups, answers, strict=True):
        if answer:
            for col, i in zip(g.columns, answer, strict=True):
                out[(g.table, col)] = int(i)
    return out


def _run_all(conn: psycopg.Connection, groups: list[Group]) -> list[list[int] | None]:
    import psycopg

    union = " UNION ALL ".join(f"SELECT {n}, ({g.query()})" for n, g in enumerate(groups))
    try:
        with conn.transaction():
            rows = conn.execute(union).fetchall()
        got = {int(n): a for n, a in rows}
        return [got.get(n) for n in range(len(groups))]
    except psycopg.Error:  # one check that raises on a candidate must not cost the others
        pass
    answers: list[list[int] | None] = []
    for g in groups:
        try:
            with conn.transaction():
                row = conn.execute(g.query()).fetchone()
            answers.append(row[0] if row else None)
        except psycopg.Error:
            answers.append(None)
    return answers
