"""Which policy let a request through, so a finding points at the line to fix.

Each permissive policy that could apply is evaluated on the very rows the request read or
wrote, with the caller's claims set (as `postgres`, so the evaluation itself sees every row).
A policy whose expression is true for them is one that allowed the request.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from toolkit.model import Policy, Table
from toolkit.probe.session import API_SEARCH_PATH
from toolkit.probe.sqltext import ident

if TYPE_CHECKING:
    import psycopg

    from toolkit.probe.checks import Attempt


def candidates(table: Table, attempt: Attempt) -> list[Policy]:
    return [p for p in table.policies
            if p.permissive and p.applies_to(attempt.role) and p.covers(attempt.command)]


def expression(policy: Policy, attempt: Attempt) -> str | None:
    """What a row has to pass under this policy for what the request did."""
    if attempt.new_row:
        return policy.with_check if policy.with_check is not None else policy.using
    return policy.using


def attribute(conn: psycopg.Connection, table: Table, attempt: Attempt,
              claims: dict[str, object]) -> tuple[str, ...]:
    """Identities of the policies that allowed `attempt` (all candidates when unsure)."""
    import psycopg

    if not table.rls:
        return ()
    cands = candidates(table, attempt)
    exprs = [(p, expression(p, attempt)) for p in cands]
    exprs = [(p, e) for p, e in exprs if e is not None]
    if len(exprs) <= 1 or not attempt.rows_sql:
        return tuple(p.identity for p, _ in exprs) or tuple(p.identity for p in cands)
    tests = ", ".join(f"coalesce(bool_or(({e})), false)" for _, e in exprs)
    sql = (f"WITH supakit_rows AS ({attempt.rows_sql}) "
           f"SELECT ARRAY[{tests}] FROM supakit_rows AS {ident(table.name)}")
    row = None
    try:
        with conn.transaction():
            conn.execute("SELECT set_config('request.jwt.claims', %s, true), "
                         "set_config('search_path', %s, true)",
                         [json.dumps(claims), API_SEARCH_PATH])
            row = conn.execute(sql).fetchone()
            raise psycopg.Rollback()  # the rows statement may have written
    except psycopg.Error:
        return tuple(p.identity for p, _ in exprs)
    flags = row[0] if row else None
    if not flags:
        return tuple(p.identity for p, _ in exprs)
    hit = tuple(p.identity for (p, _), ok in zip(exprs, flags, strict=True) if ok)
    return hit or tuple(p.identity for p, _ in exprs)
