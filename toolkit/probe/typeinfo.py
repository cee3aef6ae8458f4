"""What row synthesis needs that the snapshot does not keep: resolved column types (enum labels,
domain base types and checks, array elements, ranges, length limits) and the CHECK constraints
of each table, which tables always return the row an INSERT made, and what decides whether a
request Postgres denies by default can be answered without sending it. Five set-based queries for
any number of tables, under search_path '' so every deparsed name is schema-qualified."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

_REL_FILTER = "c.oid in (select unnest(%(rels)s::text[]::regclass[]))"

COLUMNS = f"""
select format('%%I.%%I', n.nspname, c.relname), a.attname, a.atttypid::int8, a.atttypmod
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
where {_REL_FILTER} and a.attnum > 0 and not a.attisdropped
"""

# The types named by `seed` (a query yielding type oids) and every type they rest on.
_TYPES = """
with recursive ty(oid) as (
    {seed}
  union
    select nxt.oid
    from ty
    join pg_type t on t.oid = ty.oid
    left join pg_range r on r.rngtypid = t.oid
    cross join lateral (values (nullif(t.typbasetype, 0)),
                               (case when t.typcategory = 'A' then nullif(t.typelem, 0) end),
                               (r.rngsubtype)) nxt(oid)
    where nxt.oid is not null
)
select t.oid::int8, format_type(t.oid, null), t.typtype, t.typcategory,
       nullif(t.typbasetype, 0)::int8, t.typtypmod, t.typnotnull,
       case when t.typcategory = 'A' then nullif(t.typelem, 0)::int8 end,
       r.rngsubtype::int8,
       array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid
             order by e.enumsortorder),
       array(select pg_get_constraintdef(k.oid) from pg_constraint k
             where k.contypid = t.oid and k.contype = 'c' order by k.conname)
from pg_type t
left join pg_range r on r.rngtypid = t.oid
where t.oid in (select oid from ty)
"""
TYPES = _TYPES.format(seed=f"""select distinct a.atttypid
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where {_REL_FILTER} and a.attnum > 0 and not a.attisdropped""")
NAMED_TYPES = _TYPES.format(seed="select unnest(%(types)s::text[]::regtype[])::oid")
NAMED_OIDS = "select t, t::regtype::oid::int8 from unnest(%(types)s::text[]) t"

CONSTRAINTS = f"""
select format('%%I.%%I', n.nspname, c.relname), k.conname::text, k.contype::text,
       array(select a.attname::text from unnest(k.conkey) u(attnum)
             join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum),
       pg_get_constraintdef(k.oid)
from pg_constraint k
join pg_class c on c.oid = k.conrelid
join pg_namespace n on n.oid = c.relnamespace
where {_REL_FILTER} and k.contype in ('c', 'u', 'p', 'x')
union all
select format('%%I.%%I', n.nspname, c.relname), 'partition bounds', 'c',
       array(select a.attname::text from unnest(pt.partattrs::int2[]) u(attnum)
             join pg_attribute a on a.attrelid = c.oid and a.attnum = u.attnum),
       'CHECK (' || string_agg('(' || pg_get_partition_constraintdef(i.inhrelid) || ')', ' OR ') || ')'
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_partitioned_table pt on pt.partrelid = c.oid
join pg_inherits i on i.inhparent = c.oid
where {_REL_FILTER}
group by 1, 2, 3, 4
order by 1, 2
"""

# Tables whose INSERT ... RETURNING gives back the row it made, or an error: plain and partitioned
# tables without a BEFORE or INSTEAD OF row trigger on INSERT (on them or any partition) and
# without a DO INSTEAD rule on INSERT. Anything else may swallow a row without an error.
PLAIN_INSERTS = f"""
with swallows(oid) as (
    select g.tgrelid from pg_trigger g
    where g.tgtype & 1 = 1 and g.tgtype & 4 = 4 and g.tgtype & (2 | 64) <> 0
  union
    select r.ev_class from pg_rewrite r where r.ev_type = '3' and r.is_instead
)
select format('%%I.%%I', n.nspname, c.relname)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where {_REL_FILTER} and c.relkind in ('r', 'p')
  and c.oid not in (select oid from swallows)
  and (c.relkind = 'r' or not exists (select from pg_partition_tree(c.oid) p
                                      where p.relid in (select oid from swallows)))
"""


# What could run before (or instead of) RLS's default deny, per table: a non-internal trigger or a
# rule other than _RETURN on the table or anything that inherits from it; and, for inserts, the
# column defaults, stored generated and domain-typed columns (evaluated before the WITH CHECK), and
# which API roles may not use a sequence a default draws from. Then each API role's BYPASSRLS (or
# row_security off for this session: a query RLS would filter raises instead) and the roles whose
# privileges it has (itself included).
QUIET = f"""
with recursive tree(root, oid) as (
    select c.oid, c.oid from pg_class c where {_REL_FILTER}
  union
    select tree.root, i.inhrelid from tree join pg_inherits i on i.inhparent = tree.oid
), loud(oid) as (
    select tree.root from tree join pg_trigger g on g.tgrelid = tree.oid and not g.tgisinternal
  union
    select tree.root from tree join pg_rewrite r on r.ev_class = tree.oid and r.rulename <> '_RETURN'
), api(oid, rolname) as (
    select r.oid, r.rolname::text from pg_roles r where r.rolname in ('anon', 'authenticated')
), seq_denied(oid, roles) as (
    select d.adrelid, array_agg(distinct api.rolname)
    from pg_attrdef d
    join pg_depend p on p.classid = 'pg_attrdef'::regclass and p.objid = d.oid
                    and p.refclassid = 'pg_class'::regclass
    join pg_class s on s.oid = p.refobjid and s.relkind = 'S'
    cross join api
    where d.adrelid in (select oid from tree) and not has_sequence_privilege(api.oid, s.oid, 'USAGE, UPDATE')
    group by d.adrelid
)
select 'table', format('%%I.%%I', n.nspname, c.relname), c.oid not in (select oid from loud),
       exists (select from pg_attribute a
               join pg_type ty on ty.oid = a.atttypid
               left join pg_type el on el.oid = ty.typelem and ty.typcategory = 'A'
               where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                 and (a.attgenerated <> '' or ty.typtype = 'd' or el.typtype = 'd')),
       array(select pg_get_expr(d.adbin, 0) from pg_attrdef d  -- no column names: no relcache
             join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
             where d.adrelid = c.oid and a.attgenerated = ''),
       coalesce(sd.roles, '{{}}')
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join seq_denied sd on sd.oid = c.oid
where {_REL_FILTER}
union all
select 'role', api.rolname, r.rolbypassrls or current_setting('row_security') <> 'on', false, '{{}}',
       array(select g.rolname::text from pg_roles g where pg_has_role(api.oid, g.oid, 'USAGE'))
from api join pg_roles r on r.oid = api.oid
"""


@dataclass(frozen=True)
class Quiet:
    """A table's facts for answering default-denied requests from the catalog (QUIET)."""

    quiet: bool  # no trigger or rule on it or what inherits from it
    loud_columns: bool  # a stored generated or domain-typed column
    defaults: tuple[str, ...]  # pg_get_expr of each column default
    sequence_denied: frozenset[str]  # API roles that may not draw from a sequence a default uses


@dataclass(frozen=True)
class ApiRole:
    bypass_rls: bool  # or row_security is off, so RLS does not filter its queries
    acts_as: frozenset[str]  # roles whose privileges it has, itself included


@dataclass(frozen=True)
class TypeInfo:
    oid: int
    name: str  # schema-qualified where needed, e.g. public.event_status, text[]
    typtype: str  # b base, e enum, d domain, r range, c composite, p pseudo, m multirange
    category: str  # pg_type.typcategory: S string, N numeric, D datetime, B boolean, A array, U ...
    base: int | None = None  # domains: the underlying type
    base_typmod: int = -1
    not_null: bool = False  # domains declared NOT NULL
    element: int | None = None  # arrays
    subtype: int | None = None  # ranges
    labels: tuple[str, ...] = ()  # enums, in sort order
    checks: tuple[str, ...] = ()  # domains: CHECK (... VALUE ...)


@dataclass(frozen=True)
class CheckConstraint:
    name: str
    columns: tuple[str, ...]
    expression: str  # the boolean expression inside CHECK (...)


@dataclass
class Extras:
    types: dict[int, TypeInfo] = field(default_factory=dict)
    column_types: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # oid, typmod
    checks: dict[str, list[CheckConstraint]] = field(default_factory=dict)  # with partition bounds
    constraint_columns: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # Tables whose INSERT returns its row or fails (PLAIN_INSERTS); unknown ones are assumed not to.
    plain_inserts: frozenset[str] = frozenset()
    quiet: dict[str, Quiet] = field(default_factory=dict)  # QUIET, per table
    api_roles: dict[str, ApiRole] = field(default_factory=dict)  # QUIET, per API role

    def column_type(self, table: str, column: str) -> tuple[TypeInfo, int] | None:
        got = self.column_types.get((table, column))
        if got is None or got[0] not in self.types:
            return None
        return self.types[got[0]], got[1]

    def resolve(self, info: TypeInfo, typmod: int = -1) -> tuple[TypeInfo, int, list[str]]:
        """Follow domains down to their base type; returns (base, typmod, domain checks)."""
        checks: list[str] = []
        seen = 0
        while info.typtype == "d" and info.base in self.types and seen < 16:
            checks.extend(check_body(c) for c in info.checks)
            typmod = info.base_typmod
            info = self.types[info.base]
            seen += 1
        return info, typmod, checks


def check_body(definition: str) -> str:
    """`CHECK ((a > 0)) NOT VALID` -> `(a > 0)`."""
    body = definition.strip()
    if body.upper().startswith("CHECK"):
        body = body[5:].strip()
    for suffix in (" NOT VALID", " NO INHERIT"):
        while body.upper().endswith(suffix):
            body = body[: -len(suffix)].rstrip()
    return body


def load_types(conn: psycopg.Connection, names: list[str]) -> tuple[dict[int, TypeInfo], dict[str, int]]:
    """Type information for types named as format_type prints them under search_path ''
    (function arguments and results): (oid -> TypeInfo for them and what they rest on, name -> oid)."""
    if not names:
        return {}, {}
    params = {"types": sorted(set(names))}
    rows = conn.execute(NAMED_TYPES, params).fetchall()
    oids = {name: int(oid) for name, oid in conn.execute(NAMED_OIDS, params).fetchall()}
    return dict(_type_info(row) for row in rows), oids


def _type_info(row: Any) -> tuple[int, TypeInfo]:
    (oid, name, typtype, category, base, base_typmod, not_null, element, subtype, labels,
     checks) = row
    return int(oid), TypeInfo(int(oid), name, typtype, category, base, int(base_typmod),
                              bool(not_null), element, subtype, tuple(labels), tuple(checks))


# Sent first and last in load_extras' pipeline: search_path '' for deparsing, and no JIT (at
# 5,000 tables TYPES' estimate passed jit_optimize_above_cost: 0.4-1.3 s compiling a query that
# runs in 0.04 s). The caller's values come back from transaction-local settings of our own.
_ENTER = """
select set_config('supakit.search_path', current_setting('search_path'), true),
       set_config('supakit.jit', current_setting('jit'), true),
       set_config('search_path', '', true), set_config('jit', 'off', true)
"""
_LEAVE = """
select set_config('search_path', current_setting('supakit.search_path'), true),
       set_config('jit', current_setting('supakit.jit'), true)
"""
EXTRAS = (COLUMNS, TYPES, CONSTRAINTS, PLAIN_INSERTS, QUIET)


def load_extras(conn: psycopg.Connection, tables: list[str]) -> Extras:
    """Run the five queries for these tables (identities as `schema.name`, quoted as needed) in
    one pipeline: one round trip. The caller's transaction keeps its search_path and jit."""
    out = Extras()
    if not tables:
        return out
    params = {"rels": tables}
    with conn.pipeline():
        conn.execute(_ENTER, prepare=False)
        cursors = [conn.cursor().execute(q, params, prepare=False) for q in EXTRAS]
        conn.execute(_LEAVE, prepare=False)
    columns, types, constraints, plain, quiet = (cur.fetchall() for cur in cursors)
    for table, column, typ, typmod in columns:
        out.column_types[(table, column)] = (int(typ), int(typmod))
    out.types.update(_type_info(row) for row in types)
    for table, name, kind, cols, definition in constraints:
        out.constraint_columns[(table, name)] = tuple(cols)
        if kind == "c":
            out.checks.setdefault(table, []).append(
                CheckConstraint(name, tuple(cols), check_body(definition)))
    out.plain_inserts = frozenset(r[0] for r in plain)
    for kind, name, flag, loud, defaults, names in quiet:
        if kind == "role":
            out.api_roles[name] = ApiRole(bool(flag), frozenset(names))
        else:
            out.quiet[name] = Quiet(bool(flag), bool(loud), tuple(defaults), frozenset(names))
    return out
