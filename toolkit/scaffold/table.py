"""The `--table` template: a table that is safe on Supabase from its first migration.

Every identifier goes through `toolkit.naming` (validated, quoted by sqlglot when it is a keyword)
and every column type is parsed by libpg_query before it reaches the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import postgast

from toolkit.naming import InvalidNameError, check_identifier, derived_name, qualified, quote_ident
from toolkit.scaffold.types import KnownTypes

RESERVED_COLUMNS = ("id", "created_at", "updated_at")
HELPER_SCHEMA = "private"
_TYPE_CHARS = re.compile(r"^[A-Za-z0-9_ ,()\[\].]+$")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    not_null: bool = False
    references: tuple[str, str] | None = None  # (schema, table); the key column is `id`


@dataclass
class TableSpec:
    table: str
    schema: str = "public"
    owner_column: str | None = "user_id"
    columns: list[ColumnSpec] = field(default_factory=list)
    public_read: bool = False
    parent_owners: dict[tuple[str, str], str] = field(default_factory=dict)  # (schema, table) -> owner column
    private_parents: frozenset[tuple[str, str]] = frozenset()  # read through conditional policies only


def check_type(type_text: str, column: str, known: KnownTypes | None = None) -> str:
    """A column type as written, accepted only if Postgres' grammar reads it as exactly one type
    (and, given `known`, a type that exists)."""
    text = " ".join(type_text.split())
    if not text or not _TYPE_CHARS.match(text):
        raise InvalidNameError(f"column {column!r}: {type_text!r} is not a column type")
    try:
        tree = postgast.parse(f"create table _t (_c {text})")
    except postgast.PgQueryError:
        raise InvalidNameError(f"column {column!r}: {type_text!r} is not a column type") from None
    stmts = tree.stmts
    ok = len(stmts) == 1 and stmts[0].stmt.WhichOneof("node") == "create_stmt"
    if ok:
        elts = stmts[0].stmt.create_stmt.table_elts
        ok = len(elts) == 1 and elts[0].WhichOneof("node") == "column_def" and not elts[0].column_def.constraints
    if not ok:
        raise InvalidNameError(f"column {column!r}: {type_text!r} is not a single column type")
    if known is not None:
        names = tuple(n.string.sval for n in elts[0].column_def.type_name.names)
        known.check(names, text, column)
    return text


def _parse_table_ref(ref: str, default_schema: str) -> tuple[str, str]:
    parts = ref.strip().split(".")
    if len(parts) == 1:
        return default_schema, check_identifier(parts[0], "referenced table")
    if len(parts) == 2:
        return check_identifier(parts[0], "schema"), check_identifier(parts[1], "referenced table")
    raise InvalidNameError(f"{ref!r} is not a table name; use table or schema.table")


def parse_column(spec: str, default_schema: str = "public", known: KnownTypes | None = None) -> ColumnSpec:
    """`name:type[!][->table]`: ! makes it NOT NULL, -> adds a foreign key to that table's id."""
    name, sep, rest = spec.partition(":")
    ref: tuple[str, str] | None = None
    if not sep:
        name, arrow, target = spec.partition("->")
        if not arrow:
            raise InvalidNameError(f"--column {spec!r}: expected name:type[!][->table], e.g. title:text!")
        rest = f"uuid->{target}"
    check_identifier(name.strip(), "column")
    type_part, arrow, target = rest.partition("->")
    if arrow:
        target = target.strip()
        if target.endswith("!"):
            target, type_part = target[:-1], type_part.rstrip() + "!"
        ref = _parse_table_ref(target, default_schema)
    type_part = type_part.strip()
    not_null = type_part.endswith("!")
    type_part = type_part.rstrip("!").strip() or ("uuid" if ref else "")
    if not type_part:
        raise InvalidNameError(f"--column {spec!r}: the type is missing, e.g. {name.strip()}:text")
    return ColumnSpec(name.strip(), check_type(type_part, name.strip(), known), not_null, ref)


def validate(spec: TableSpec) -> TableSpec:
    check_identifier(spec.schema, "schema")
    check_identifier(spec.table, "table")
    taken = set(RESERVED_COLUMNS)
    if spec.owner_column is not None:
        check_identifier(spec.owner_column, "owner column")
        if spec.owner_column in taken:
            raise InvalidNameError(f"owner column {spec.owner_column!r} clashes with a column the template adds")
        taken.add(spec.owner_column)
    for col in spec.columns:
        if col.name in taken:
            raise InvalidNameError(f"column {col.name!r} is defined twice (the template adds id, the owner column, created_at and updated_at)")
        taken.add(col.name)
    return spec


def _column_line(col: ColumnSpec) -> str:
    line = f"{quote_ident(col.name)} {col.type}"
    if col.not_null:
        line += " not null"
    if col.references:
        line += f" references {qualified(*col.references)} (id)"
    return line


def render_table(spec: TableSpec) -> str:
    validate(spec)
    t = qualified(spec.schema, spec.table)
    owner = spec.owner_column
    lines = ["  id uuid primary key default gen_random_uuid(),"]
    if owner:
        lines.append(f"  {quote_ident(owner)} uuid not null default auth.uid() references auth.users (id) on delete cascade,")
    lines += [f"  {_column_line(c)}," for c in spec.columns]
    lines += ["  created_at timestamptz not null default now(),", "  updated_at timestamptz not null default now()"]
    out = [*_header(spec), "", f"create table {t} (", *lines, ");"]
    indexed = ([owner] if owner else []) + [c.name for c in spec.columns if c.references]
    if indexed:
        out += ["", "-- Policies filter on the owner and joins follow foreign keys: index both."]
    for col in indexed:
        out.append(f"create index {quote_ident(derived_name(spec.table, col, suffix='idx'))} on {t} ({quote_ident(col)});")
    helper = f"{HELPER_SCHEMA}.set_updated_at"
    out += [
        "",
        "-- updated_at follows every update. The helper lives outside the exposed schemas and pins",
        "-- search_path so no caller can redirect now().",
        f"create schema if not exists {HELPER_SCHEMA};",
        "",
        f"create or replace function {helper}()",
        "returns trigger",
        "language plpgsql",
        "set search_path = ''",
        "as $$",
        "begin",
        "  new.updated_at := now();",
        "  return new;",
        "end;",
        "$$;",
        "",
        "create trigger set_updated_at",
        f"  before update on {t}",
        f"  for each row execute function {helper}();",
        "",
        f"alter table {t} enable row level security;",
        "",
        "-- Grant exactly what the policies allow, whether or not new tables are exposed automatically.",
        f"revoke all on table {t} from anon, authenticated;",
    ]
    writes = "select, insert, update, delete" if owner else "select"
    out.append(f"grant {writes} on table {t} to authenticated;")
    if spec.public_read:
        out.append(f"grant select on table {t} to anon;")
    out.append(f"grant select, insert, update, delete on table {t} to service_role;")
    out.append("")
    out += _policies(spec, t)
    return "\n".join(out).rstrip() + "\n"


def _header(spec: TableSpec) -> list[str]:
    name = f"{spec.schema}.{spec.table}"
    readers = "everyone (anon included) can read them" if spec.public_read else None
    if spec.owner_column:
        who = f"each row belongs to the auth.users row in {spec.owner_column}"
        rest = f"{readers}; only the owner can change them" if readers else "only that user can read or change it"
        return [f"-- {name}: {who}; {rest}."]
    readers = readers or "signed-in users can read them"
    return [f"-- {name}: shared rows; {readers}; only the service role writes."]


def _policy(name: str, table: str, command: str, roles: str, using: str | None, check: str | None) -> list[str]:
    lines = [f"create policy {quote_ident(name)} on {table}", f"  for {command} to {roles}"]
    if using is not None:
        lines.append(f"  using ({using})")
    if check is not None:
        lines.append(f"  with check ({check})")
    lines[-1] += ";"
    return [*lines, ""]


def _policies(spec: TableSpec, t: str) -> list[str]:
    base = spec.table[: 63 - len("_select_public")]
    out: list[str] = []
    if spec.public_read:
        from toolkit.probe.rules import PROBE_ANON_READ, PROBE_CROSS_USER_READ

        intended = ", ".join(r.id for r in (PROBE_ANON_READ, PROBE_CROSS_USER_READ)[:2 if spec.owner_column else 1])
        out += ["-- Public read: anyone, signed in or not, may read every row.",
                f"-- supakit-ignore: {intended} -- public read by design (supakit new --public-read)",
                *_policy(f"{base}_select_public", t, "select", "anon, authenticated", "true", None)]
    if spec.owner_column is None:
        if not spec.public_read:
            out += ["-- No owner column: signed-in users may read; writes go through the service role.",
                    *_policy(f"{base}_select_authenticated", t, "select", "authenticated", "true", None)]
        return out
    own = f"(select auth.uid()) = {quote_ident(spec.owner_column)}"
    out.append("-- Owner-scoped: auth.uid() is wrapped in a select so Postgres evaluates it once per query.")
    pins = _parent_pins(spec)
    if pins:
        out += ["-- A new or moved row must also sit under a parent row of the caller's (or one the caller",
                "-- can read, where the parent's own policies decide): each check looks the parent up by its",
                "-- primary key, one index lookup."]
    check = "\n    and ".join([own, *pins])
    if not spec.public_read:
        out += _policy(f"{base}_select_own", t, "select", "authenticated", own, None)
    out += _policy(f"{base}_insert_own", t, "insert", "authenticated", None, check)
    out += _policy(f"{base}_update_own", t, "update", "authenticated", own, check)
    out += _policy(f"{base}_delete_own", t, "delete", "authenticated", own, None)
    return out


def _parent_pins(spec: TableSpec) -> list[str]:
    """For each foreign key to a table with an owner: the parent row is the caller's; to a private
    table without one (an organisation's events): the caller can read it, since RLS applies to
    the policy's own sub-select. The key is qualified with the table's name, so a parent column
    of the same name cannot capture it."""
    pins = []
    for col in spec.columns:
        if col.references is None:
            continue
        owner = spec.parent_owners.get(col.references)
        if owner is None and col.references not in spec.private_parents:
            continue
        key = f"{quote_ident(spec.table)}.{quote_ident(col.name)}"
        mine = f" and p.{quote_ident(owner)} = (select auth.uid())" if owner else ""
        found = f"exists (select 1 from {qualified(*col.references)} p where p.id = {key}{mine})"
        pins.append(found if col.not_null else f"({key} is null or {found})")
    return pins
