"""Read the catalog into a `Snapshot` in a fixed number of set-based queries.

Everything runs in one transaction with `search_path` set to '' so deparsed expressions keep
their schemas (`auth.uid()`, not `uid()`), sent as one pipeline. Nothing is written: no temp tables, so a READ ONLY
connection to a live database works. The storage buckets are read through a DO block that
stores them in a transaction-local setting, because `storage.buckets` may not exist.

With `statistics=True` (a live database) the snapshot also reads what only a database that has
served traffic knows: index scans, table sizes and extension upgrades. That adds two queries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from toolkit.engine.base import database_errors
from toolkit.model import (
    DEFAULT_EXTRA_SEARCH_PATH,
    Argument,
    Bucket,
    Column,
    Extension,
    ForeignKey,
    Function,
    Index,
    Policy,
    Schema,
    Snapshot,
    Table,
    TableStats,
)

if TYPE_CHECKING:
    import psycopg

_NOT_SYSTEM = (
    "{n}.nspname not in ('pg_catalog', 'information_schema') "
    "and {n}.nspname not like 'pg\\_toast%' and {n}.nspname not like 'pg\\_temp%'"
)
_API = "r.rolname in ('anon', 'authenticated')"


def _not_system(alias: str) -> str:
    return _NOT_SYSTEM.format(n=alias)


def _public_has(acl: str, privilege: str) -> str:
    return (
        f"exists (select 1 from aclexplode({acl}) a where a.grantee = 0 "
        f"and a.privilege_type = '{privilege}')"
    )


def _ext_join(alias: str, classid: str, objid: str) -> str:
    return (
        f"left join pg_depend {alias}d on {alias}d.classid = '{classid}'::regclass "
        f"and {alias}d.objid = {objid} and {alias}d.deptype = 'e' "
        f"and {alias}d.refclassid = 'pg_extension'::regclass "
        f"left join pg_extension {alias}x on {alias}x.oid = {alias}d.refobjid"
    )


# jit off: on a large catalog the estimates of COLUMNS and INDEXES pass jit_above_cost, and compiling
# cost more than running them (at 5,000 tables 0.1-0.5 s each); a live database may have JIT on.
META = f"""
select set_config('search_path', '', true), set_config('jit', 'off', true),
       current_setting('server_version'),
       array(select r.rolname::text from pg_roles r where {_API} order by 1),
       current_setting('block_size')::int,
       (select d.stats_reset::text from pg_stat_database d where d.datname = current_database())
"""

SCHEMAS = f"""
select n.nspname, pg_get_userbyid(n.nspowner),
       array(select r.rolname::text from pg_roles r
             where {_API} and has_schema_privilege(r.oid, n.oid, 'USAGE') order by 1),
       {_public_has("coalesce(n.nspacl, acldefault('n', n.nspowner))", 'USAGE')},
       array(select r.rolname::text from pg_roles r
             where {_API} and has_schema_privilege(r.oid, n.oid, 'CREATE') order by 1),
       {_public_has("coalesce(n.nspacl, acldefault('n', n.nspowner))", 'CREATE')},
       nx.extname
from pg_namespace n
{_ext_join('n', 'pg_namespace', 'n.oid')}
where {_not_system('n')}
order by n.nspname
"""

RELATIONS = f"""
select c.oid, n.nspname, c.relname, c.relkind, format('%I.%I', n.nspname, c.relname),
       pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity,
       (select format('%I.%I', pn.nspname, pc.relname)
          from pg_inherits i join pg_class pc on pc.oid = i.inhparent
          join pg_namespace pn on pn.oid = pc.relnamespace
         where i.inhrelid = c.oid and c.relispartition),
       cx.extname,
       coalesce(c.reloptions, '{{}}'),
       c.relpages, c.reltuples,
       array(select r.rolname || ':' || lower(p.priv) from pg_roles r
             cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                     'REFERENCES', 'TRIGGER']) p(priv)
             where {_API} and has_table_privilege(r.oid, c.oid, p.priv)),
       array(select lower(a.privilege_type) from aclexplode(c.relacl) a where a.grantee = 0)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
{_ext_join('c', 'pg_class', 'c.oid')}
where c.relkind in ('r', 'p', 'v', 'm', 'f') and {_not_system('n')}
"""

# The reg* OID-alias types, and every type that holds one: arrays, domains, ranges and composite
# types (CREATE TYPE ... AS; a table's row type used as a column type is not followed). pg_upgrade
# refuses most of them in user columns (it cannot carry the OIDs over). Only built-in reg* types
# and types created after initdb (oid >= 16384) can hold one, which keeps the edges few.
REG_TYPES = ("regclass", "regcollation", "regconfig", "regdictionary", "regnamespace", "regoper",
             "regoperator", "regproc", "regprocedure", "regrole", "regtype")
_REG_CTE = f"""
with recursive base(oid, name) as materialized (
    select t.oid, t.typname::text from pg_type t
     where t.typnamespace = 'pg_catalog'::regnamespace
       and t.typname in ({", ".join(f"'{t}'" for t in REG_TYPES)})
),
holds(inner_type, outer_type) as materialized (
    select x.inner_type, x.outer_type
      from pg_type t,
           lateral (select case when t.typbasetype <> 0 then t.typbasetype else t.typelem end,
                           t.oid) x(inner_type, outer_type)
     where (t.typbasetype <> 0 or (t.typelem <> 0 and t.typlen = -1))
       and (x.inner_type >= 16384 or x.inner_type in (select oid from base))
    union all
    select r.rngsubtype, r.rngtypid from pg_range r
     where r.rngsubtype >= 16384 or r.rngsubtype in (select oid from base)
    union all
    select a.atttypid, c.reltype from pg_class c join pg_attribute a on a.attrelid = c.oid
     where c.relkind = 'c' and a.attnum > 0 and not a.attisdropped
       and (a.atttypid >= 16384 or a.atttypid in (select oid from base))
),
reg(oid, name) as (
    select oid, name from base
    union
    select h.outer_type, reg.name from reg join holds h on h.inner_type = reg.oid
),
reg_by_type(oid, names) as (
    select oid, array_agg(distinct name order by name) from reg group by oid
)
"""

COLUMNS = _REG_CTE + f"""
select a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '', a.attidentity,
       case when a.attacl is not null then
         array(select r.rolname || ':' || lower(p.priv) from pg_roles r
               cross join unnest(array['SELECT', 'INSERT', 'UPDATE']) p(priv)
               where {_API} and has_column_privilege(r.oid, a.attrelid, a.attnum, p.priv))
       end,
       case when a.attacl is not null then
         array(select lower(x.privilege_type) from aclexplode(a.attacl) x where x.grantee = 0)
       end,
       rt.names
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
left join reg_by_type rt on rt.oid = a.atttypid
where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f')
  and {_not_system('n')}
order by a.attrelid, a.attnum
"""

def _indexes(statistics: bool) -> str:
    """Index scans are counted only on a live database; elsewhere the column is null."""
    scans = "pg_stat_get_numscans(i.indexrelid)" if statistics else "null::bigint"
    return INDEXES.replace("null::bigint as scans", f"{scans} as scans")


INDEXES = f"""
select i.indrelid, ic.relname, format('%I.%I', n.nspname, ic.relname),
       array(select a.attname::text
               from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
               left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
              where k.ord <= i.indnkeyatts order by k.ord),
       array(select a.attname::text
               from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
               join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
              where k.ord > i.indnkeyatts order by k.ord),
       pg_get_expr(i.indexprs, i.indrelid), pg_get_expr(i.indpred, i.indrelid),
       i.indisunique, i.indisprimary, con.conname, am.amname, i.indisvalid,
       pg_get_indexdef(i.indexrelid), null::bigint as scans
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_namespace n on n.oid = ic.relnamespace
join pg_am am on am.oid = ic.relam
left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid
     and con.contype in ('p', 'u', 'x')
where {_not_system('n')}
order by i.indrelid, ic.relname
"""

FOREIGN_KEYS = f"""
select con.conrelid, con.conname,
       array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, ord)
             join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
             order by k.ord),
       format('%I.%I', rn.nspname, rc.relname),
       array(select a.attname::text from unnest(con.confkey) with ordinality k(attnum, ord)
             join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
             order by k.ord),
       con.confdeltype, con.conparentid <> 0
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_class rc on rc.oid = con.confrelid
join pg_namespace rn on rn.oid = rc.relnamespace
where con.contype = 'f' and {_not_system('n')}
order by con.conrelid, con.conname
"""

POLICIES = f"""
select p.polrelid, p.polname, n.nspname, c.relname,
       format('%I on %I.%I', p.polname, n.nspname, c.relname),
       p.polcmd, p.polpermissive,
       array(select case when r.oid = 0 then 'public' else pg_get_userbyid(r.oid)::text end
               from unnest(p.polroles) with ordinality r(oid, ord) order by r.ord),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
from pg_policy p
join pg_class c on c.oid = p.polrelid
join pg_namespace n on n.oid = c.relnamespace
where {_not_system('n')}
order by p.polrelid, p.polname
"""

VIEW_READS = f"""
select distinct rw.ev_class, format('%I.%I', rn.nspname, rc.relname)
from pg_rewrite rw
join pg_class v on v.oid = rw.ev_class
join pg_namespace n on n.oid = v.relnamespace
join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = rw.oid
     and d.refclassid = 'pg_class'::regclass and d.refobjid <> rw.ev_class
join pg_class rc on rc.oid = d.refobjid
join pg_namespace rn on rn.oid = rc.relnamespace
where v.relkind in ('v', 'm') and {_not_system('n')}
"""

FUNCTIONS = f"""
select n.nspname, p.proname, (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity,
       pg_get_function_identity_arguments(p.oid), p.prokind, p.prosecdef,
       coalesce(p.proconfig, '{{}}'), p.provolatile, l.lanname, format_type(p.prorettype, null),
       pg_get_userbyid(p.proowner),
       array(select r.rolname::text from pg_roles r
             where {_API} and has_function_privilege(r.oid, p.oid, 'EXECUTE') order by 1),
       {_public_has("coalesce(p.proacl, acldefault('f', p.proowner))", 'EXECUTE')},
       px.extname,
       coalesce(p.proargnames, '{{}}'), coalesce(p.proargmodes::text[], '{{}}'),
       array(select format_type(a.t, null)
               from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality a(t, i)
              order by a.i),
       p.pronargdefaults, p.proretset,
       case when p.prokind = 'f' and l.lanname in ('sql', 'plpgsql') and px.extname is null
            then pg_get_functiondef(p.oid) end
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
{_ext_join('p', 'pg_proc', 'p.oid')}
where {_not_system('n')}
order by n.nspname, p.proname, p.oid
"""

EXTENSIONS = """
select e.extname, n.nspname, e.extversion, e.extrelocatable
from pg_extension e join pg_namespace n on n.oid = e.extnamespace
order by e.extname
"""

# Live databases only. The average width of a row's data, from what ANALYZE sampled (pg_stats
# shows only the columns this role may read, so a table we cannot read has no width).
ROW_WIDTHS = """
select format('%I.%I', s.schemaname, s.tablename), sum(s.avg_width * (1 - s.null_frac))::int
from pg_stats s
where s.schemaname not in ('pg_catalog', 'information_schema') and not s.inherited
group by s.schemaname, s.tablename
"""

# Live databases only: the version each installed extension would be upgraded to, when the
# server has a path from the installed one.
EXTENSION_UPGRADES = """
select e.extname, a.default_version
from pg_extension e
join pg_available_extensions a on a.name = e.extname
where a.default_version is distinct from e.extversion
  and exists (select from pg_available_extension_versions v
               where v.name = e.extname and v.version = e.extversion)
"""

# storage.buckets may be absent (plain Postgres) or unreadable: only a dynamic query inside a
# DO block can ask for it without failing, and set_config carries the rows out.
BUCKETS_DO = """
do $supakit$
begin
    if to_regclass('storage.buckets') is not null then
        perform set_config('supakit.buckets', coalesce((
            select json_agg(json_build_object('id', b.id, 'name', b.name, 'public', b.public))::text
              from storage.buckets b), '[]'), true);
    end if;
exception when others then
    perform set_config('supakit.buckets', '', true);
end
$supakit$
"""

BUCKETS_READ = "select current_setting('supakit.buckets', true)"

_CMD = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}
_ON_DELETE = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_ARG_MODES = {"i": "in", "o": "out", "b": "inout", "v": "variadic", "t": "table"}
_IDENTITY = {"a": "always", "d": "by default"}
_TRUE = ("on", "true", "yes", "1")


class _Pipeline:
    """The snapshot's queries, sent together in one pipeline (one round trip for all of them,
    and the server runs them back to back), then read in order."""

    def __init__(self, conn: psycopg.Connection, queries: list[str]) -> None:
        self.count = len(queries)
        with conn.pipeline():
            self._cursors = [conn.cursor().execute(q, prepare=False) for q in queries]
        self._next = iter(self._cursors)

    def rows(self) -> list[tuple[Any, ...]]:
        cur = next(self._next)
        return cur.fetchall() if cur.description else []


def _roles(api: list[str], public: bool) -> tuple[str, ...]:
    return (*api, "PUBLIC") if public else tuple(api)


def _role_privs(pairs: list[str] | None, public: list[str] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for pair in pairs or ():
        role, priv = pair.split(":", 1)
        out[role].append(priv)
    if public:
        out["PUBLIC"] = sorted(set(public))
    return {role: tuple(privs) for role, privs in out.items()}


def _options(reloptions: list[str]) -> dict[str, str]:
    return dict(opt.split("=", 1) for opt in reloptions if "=" in opt)


def _fillfactor(opts: dict[str, str]) -> int:
    try:
        return int(opts.get("fillfactor", 100))
    except ValueError:
        return 100


def _search_path(config: list[str]) -> str | None:
    for item in config:
        if item.startswith("search_path="):
            return item.split("=", 1)[1]
    return None


def _arguments(names: list[str], modes: list[str], types: list[str], defaults: int) -> tuple[Argument, ...]:
    """Parameters in order; the last `defaults` inputs have defaults (pg_proc.pronargdefaults)."""
    modes = modes or ["i"] * len(types)
    names = names or [""] * len(types)
    inputs = [i for i, m in enumerate(modes) if m in ("i", "b", "v")]
    with_default = set(inputs[len(inputs) - defaults:]) if defaults else set()
    return tuple(Argument(names[i] if i < len(names) else "", typ, _ARG_MODES.get(modes[i], modes[i]),
                          i in with_default)
                 for i, typ in enumerate(types))


@database_errors()
def take_snapshot(conn: psycopg.Connection, exposed_schemas: tuple[str, ...], *,
                  extra_search_path: tuple[str, ...] = DEFAULT_EXTRA_SEARCH_PATH,
                  statistics: bool = False) -> Snapshot:
    """Read everything the audit needs. The number of queries does not depend on schema size."""
    queries = [META, SCHEMAS, RELATIONS, COLUMNS, _indexes(statistics), FOREIGN_KEYS, POLICIES,
               VIEW_READS, FUNCTIONS, *((EXTENSION_UPGRADES, ROW_WIDTHS) if statistics else ()),
               EXTENSIONS, BUCKETS_DO, BUCKETS_READ]
    with conn.transaction():
        run = _Pipeline(conn, queries)
    _, _, version, api_roles, block_size, stats_reset = run.rows()[0]
    schemas = tuple(
        Schema(name, owner, name in exposed_schemas, _roles(usage, pub_usage),
               _roles(create, pub_create), ext)
        for name, owner, usage, pub_usage, create, pub_create, ext in run.rows()
    )
    rel_rows = run.rows()
    columns: dict[int, list[Column]] = defaultdict(list)
    col_privs: dict[int, dict[str, dict[str, list[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for oid, name, typ, notnull, default, generated, ident, privs, pub, regs in run.rows():
        columns[oid].append(Column(name, typ, notnull, default, generated, _IDENTITY.get(ident),
                                   tuple(regs or ())))
        for role, plist in _role_privs(privs, pub).items():
            for priv in plist:
                col_privs[oid][role][priv].append(name)
    indexes: dict[int, list[Index]] = defaultdict(list)
    for (rel, name, ident, keys, include, exprs, pred, unique, primary, con, method, valid,
         definition, scans) in run.rows():
        indexes[rel].append(Index(name, ident, tuple(keys), tuple(include), exprs, pred, unique,
                                  primary, con, method, valid, definition, scans))
    fks: dict[int, list[ForeignKey]] = defaultdict(list)
    for rel, name, cols, ref, ref_cols, deltype, inherited in run.rows():
        fks[rel].append(ForeignKey(name, tuple(cols), ref, tuple(ref_cols),
                                   _ON_DELETE.get(deltype, deltype), inherited))
    policies: dict[int, list[Policy]] = defaultdict(list)
    for rel, name, schema, table, ident, cmd, permissive, roles, using, check in run.rows():
        policies[rel].append(Policy(name, schema, table, ident, _CMD.get(cmd, cmd), permissive,
                                    tuple(roles), using, check))
    reads: dict[int, list[str]] = defaultdict(list)
    for view, ref in run.rows():
        reads[view].append(ref)
    functions = tuple(
        Function(schema, name, ident, args, kind, secdef, _search_path(config), tuple(config),
                 _VOLATILITY.get(vol, vol), lang, returns, owner, _roles(execute, pub_exec), ext,
                 _arguments(arg_names, arg_modes, arg_types, defaults), retset, definition)
        for (schema, name, ident, args, kind, secdef, config, vol, lang, returns, owner, execute,
             pub_exec, ext, arg_names, arg_modes, arg_types, defaults, retset, definition)
        in run.rows()
    )
    upgrades: dict[str, str] = {}
    widths: dict[str, int] = {}
    if statistics:
        upgrades = dict(run.rows())
        widths = dict(run.rows())
    extensions = tuple(Extension(name, schema, version, relocatable, upgrades.get(name))
                       for name, schema, version, relocatable in run.rows())
    run.rows()  # the DO block that reads the buckets
    raw_buckets = run.rows()[0][0]
    tables = []
    for (oid, schema, name, kind, ident, owner, rls, force, parent, ext, reloptions, pages, tuples,
         privs, pub_privs) in rel_rows:
        opts = _options(reloptions)
        tables.append(Table(
            schema=schema, name=name, kind=kind, identity=ident, owner=owner, rls=rls,
            force_rls=force, partition_of=parent, extension=ext,
            security_invoker=opts.get("security_invoker", "").lower() in _TRUE,
            security_barrier=opts.get("security_barrier", "").lower() in _TRUE,
            reads=tuple(sorted(reads.get(oid, ()))),
            columns=tuple(columns.get(oid, ())),
            indexes=tuple(indexes.get(oid, ())),
            foreign_keys=tuple(fks.get(oid, ())),
            policies=tuple(policies.get(oid, ())),
            privileges=_role_privs(privs, pub_privs),
            column_privileges={role: {p: tuple(cols) for p, cols in by_priv.items()}
                               for role, by_priv in col_privs.get(oid, {}).items()},
            stats=TableStats(pages, tuples, widths.get(ident), _fillfactor(opts))
            if statistics and kind in ("r", "m") else None,
        ))
    tables.sort(key=lambda t: (t.schema, t.name))
    buckets: tuple[Bucket, ...] = ()
    if raw_buckets:
        buckets = tuple(Bucket(str(b["id"]), str(b["name"]), bool(b["public"]))
                        for b in json.loads(raw_buckets))
    return Snapshot(
        server_version=version,
        exposed_schemas=tuple(exposed_schemas),
        extra_search_path=tuple(extra_search_path),
        api_roles=tuple(api_roles),
        schemas=schemas,
        tables=tuple(tables),
        functions=functions,
        extensions=extensions,
        buckets=buckets,
        buckets_known=bool(raw_buckets),
        statistics=statistics,
        stats_since=stats_reset if statistics else None,
        block_size=block_size,
        query_count=run.count,
    )


__all__ = ["take_snapshot"]
