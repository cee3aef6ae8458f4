"""Which of user A's rows an RPC call changed.

Before the calls, a row trigger on every table that holds A's rows (and on auth.users) writes
each insert, update and delete into a transaction-local setting; a statement trigger notes a
TRUNCATE. A call reads the setting before its savepoint is rolled back, so the triggers, the
log and whatever the call did vanish together, and nothing is scanned per table per call: the
cost of a call does not grow with the schema. Everything here is created inside the probe's
transaction and rolled back with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.facts.scope import AUTH_USERS
from toolkit.model import Snapshot
from toolkit.probe.session import User
from toolkit.probe.sqltext import lit
from toolkit.probe.synth import Synthesizer

if TYPE_CHECKING:
    import psycopg

LOG = "supakit.rpc_changes"
READ_LOG = f"SELECT current_setting('{LOG}', true)"
_SCHEMA = "supakit_rpc_watch"
_MAX_LOG = 1_000_000  # characters; a call that writes more than this is noticed by its first rows
_SETUP = f"""
create schema {_SCHEMA};
grant usage on schema {_SCHEMA} to public;
create function {_SCHEMA}.log() returns trigger language plpgsql as $$
begin
  if length(coalesce(current_setting('{LOG}', true), '')) < {_MAX_LOG} then
    perform set_config('{LOG}', coalesce(current_setting('{LOG}', true), '') || json_build_array(
        format('%I.%I', tg_table_schema, tg_table_name), tg_op,
        case when tg_level = 'ROW' and tg_op <> 'INSERT' then to_jsonb(old) end,
        case when tg_level = 'ROW' and tg_op <> 'DELETE' then to_jsonb(new) end)::text || chr(10),
      true);
  end if;
  return null;
end
$$;
select set_config('{LOG}', '', true)
"""
_TRIGGERS = """
do $supakit$
declare t text;
begin
  -- only where we may: a table we may not put a trigger on stays unwatched
  for t in select u from unnest(array[{tables}]::text[]) u
           where has_table_privilege(u::regclass, 'TRIGGER') loop
    execute format('create trigger zz_supakit_rpc_watch after insert or update or delete on %s '
                   'for each row execute function {schema}.log()', t);
    execute format('create trigger zz_supakit_rpc_watch_truncate after truncate on %s '
                   'for each statement execute function {schema}.log()', t);
  end loop;
end
$supakit$
"""


@dataclass(frozen=True)
class Change:
    table: str
    op: str  # update | delete | truncate | insert
    key: str  # which row, for people: "id = 3"
    columns: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # update: old, new
    what: str = ""  # for an insert: what the new row claims ("user A's public.organisations")

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"table": self.table, "change": self.op, "row": self.key}
        if self.columns:
            out["columns"] = {c: {"before": a, "after": b} for c, (a, b) in self.columns.items()}
        if self.what:
            out["claims"] = self.what
        return out


class Watch:
    """A's rows (by key) in the watched tables, and the membership links into A's tenants."""

    def __init__(self, snapshot: Snapshot, synth: Synthesizer, users: dict[str, User]) -> None:
        self.keys: dict[str, dict[str, str]] = {}
        for identity, filled in synth.filled.items():
            row = filled.rows.get("A")
            if row is None or not filled.scope.scoped or filled.key == ("tableoid", "ctid"):
                continue
            values = {k: row.values.get(k) for k in filled.key}
            if all(v is not None for v in values.values()):
                self.keys[identity] = {k: v for k, v in values.items() if v is not None}
        user = users.get("A")
        if user is not None:
            self.keys[AUTH_USERS] = {"id": user.id}
        self.links: dict[str, tuple[tuple[str, ...], dict[str, str], str]] = {}
        for identity, (_user_col, fk) in synth.scopes.memberships.items():
            tenant = synth.filled.get(fk.ref_table)
            a_row = tenant.rows.get("A") if tenant else None
            if a_row is None:
                continue
            want = {c: a_row.values.get(rc) for c, rc in zip(fk.columns, fk.ref_columns, strict=True)}
            if all(v is not None for v in want.values()):
                self.links[identity] = (fk.columns, {c: v for c, v in want.items() if v is not None},
                                        fk.ref_table)
        self.parents = {t.identity: t.partition_of for t in snapshot.tables if t.partition_of}

    def tables(self) -> list[str]:
        return sorted(set(self.keys) | set(self.links))

    def install(self, conn: psycopg.Connection) -> None:
        conn.execute(_SETUP)
        tables = self.tables()
        if tables:
            conn.execute(_TRIGGERS.format(tables=", ".join(lit(t) for t in tables), schema=_SCHEMA))

    def changes(self, log: str | None) -> list[Change]:
        """A's rows that the logged writes touched, in the order they happened."""
        out: list[Change] = []
        for line in (log or "").splitlines():
            try:
                table, op, old, new = json.loads(line, parse_int=str, parse_float=str)
            except ValueError:
                continue
            table = self._root(table)
            op = str(op).lower()
            if op == "truncate" and table in self.keys:
                out.append(Change(table, "truncate", "every row"))
            elif op in ("update", "delete") and self._is_a(table, old):
                changed = {c: (_text(old.get(c)), _text(v)) for c, v in sorted((new or {}).items())
                           if op == "update" and old.get(c) != v}
                out.append(Change(table, op, _key_text(self.keys[table]), changed))
            elif op == "insert" and table in self.links:
                link, want, tenant = self.links[table]
                if all(_text((new or {}).get(c)) == v for c, v in want.items()):
                    out.append(Change(table, "insert", _key_text({c: _text(new.get(c)) for c in link}),
                                      what=f"a link to user A's row of {tenant}"))
        return out

    def _root(self, table: str) -> str:
        seen = 0
        while table in self.parents and seen < 8:
            table = self.parents[table] or table
            seen += 1
        return table

    def _is_a(self, table: str, row: Any) -> bool:
        key = self.keys.get(table)
        return bool(key) and isinstance(row, dict) and all(
            _text(row.get(c)) == v for c, v in (key or {}).items())


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None if value is None else json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _key_text(key: Mapping[str, str | None]) -> str:
    return ", ".join(f"{c} = {v}" for c, v in key.items())


__all__ = ["READ_LOG", "Change", "Watch"]
