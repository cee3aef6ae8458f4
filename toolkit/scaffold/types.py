"""Which column types `supakit new --column` may use, known without a database: Postgres' own,
the enums, domains, composite and range types the project's migrations create, and the types of
the extensions they enable. A typo (`amount:monay`) is refused at once, not when the migration
first runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from toolkit.errors import did_you_mean
from toolkit.naming import InvalidNameError

if TYPE_CHECKING:
    from toolkit.project import Project

# Names the grammar leaves as written (keywords such as integer or varchar become pg_catalog.*).
BUILTIN = frozenset({
    "bool", "bytea", "char", "name", "int8", "int2", "int4", "text", "oid", "tid", "xid", "cid",
    "json", "xml", "point", "lseg", "path", "box", "polygon", "line", "float4", "float8", "circle",
    "money", "macaddr", "macaddr8", "inet", "cidr", "bpchar", "varchar", "date", "time",
    "timestamp", "timestamptz", "interval", "timetz", "bit", "varbit", "numeric", "refcursor",
    "uuid", "pg_lsn", "tsvector", "tsquery", "jsonb", "jsonpath", "txid_snapshot", "pg_snapshot",
    "xid8", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
    "int4multirange", "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange",
    "datemultirange", "regproc", "regprocedure", "regoper", "regoperator", "regclass",
    "regcollation", "regtype", "regrole", "regnamespace", "regconfig", "regdictionary", "serial",
    "serial2", "serial4", "serial8", "smallserial", "bigserial",
})
# Types of extensions a migration may enable (create extension); one not listed here may bring
# any type, so its presence switches the check off.
EXTENSION_TYPES = {
    "citext": ("citext",), "vector": ("vector", "halfvec", "sparsevec"), "hstore": ("hstore",),
    "ltree": ("ltree", "lquery", "ltxtquery"), "cube": ("cube",), "seg": ("seg",),
    "postgis": ("geometry", "geography", "box2d", "box3d"),
    "isn": ("ean13", "isbn", "isbn13", "ismn", "ismn13", "issn", "issn13", "upc"),
    "pgcrypto": (), "uuid-ossp": (), "pg_trgm": (), "btree_gist": (), "btree_gin": (), "pg_graphql": (),
    "pg_stat_statements": (), "pg_net": (), "pg_cron": (), "http": (), "supabase_vault": (), "pgjwt": (),
    "moddatetime": (), "unaccent": (), "fuzzystrmatch": (), "pgsodium": (), "pg_jsonschema": (),
}
# Schemas of the platform (and of extensions) whose types supakit does not list: trusted.
PLATFORM_SCHEMAS = frozenset({"pg_catalog", "auth", "storage", "realtime", "extensions", "vault", "graphql",
                              "net", "cron", "pgsodium", "supabase_functions"})


@dataclass
class KnownTypes:
    names: set[str] = field(default_factory=set)  # "type" and "schema.type"
    open: bool = False  # an extension supakit does not know may have added any type

    def check(self, names: tuple[str, ...], written: str, column: str) -> None:
        """Raises InvalidNameError for a type nobody defines."""
        if self.open or not names:
            return
        schema, name = (names[0], names[-1]) if len(names) > 1 else (None, names[0])
        if schema in PLATFORM_SCHEMAS:
            return
        if schema is None and (name in BUILTIN or name in self.names):
            return
        if schema is not None and f"{schema}.{name}" in self.names:
            return
        choices = sorted(BUILTIN | {n.rsplit(".", 1)[-1] for n in self.names})
        raise InvalidNameError(f"column {column!r}: unknown type {written!r}{did_you_mean(name, choices)} "
                               "(known: Postgres' built-in types, and the enums, domains and composite "
                               "types the migrations create)")


def project_types(project: Project) -> KnownTypes:
    """Types the project's migrations create, read from their parse trees (unparsable files skipped)."""
    from toolkit.errors import SupakitError
    from toolkit.migrations import discover
    from toolkit.sql.split import SqlSyntaxError, split_statements

    known = KnownTypes()
    if not project.migrations_dir.is_dir():
        return known
    for mf in discover(project.migrations_dir, project.root).files:
        try:
            stmts = split_statements(mf.read())
        except (SqlSyntaxError, SupakitError):
            continue
        for stmt in stmts:
            _collect(stmt.kind, stmt.node, known)
    return known


def _qualified(parts: list[str]) -> set[str]:
    return {parts[-1], ".".join(parts[-2:])} if len(parts) > 1 else {parts[0], f"public.{parts[0]}"}


def _collect(kind: str, node: object, known: KnownTypes) -> None:
    names: list[str] = []
    if kind == "create_enum_stmt" or kind == "create_range_stmt":
        names = [n.string.sval for n in node.type_name]  # type: ignore[attr-defined]
    elif kind == "create_domain_stmt":
        names = [n.string.sval for n in node.domainname]  # type: ignore[attr-defined]
    elif kind == "composite_type_stmt":
        rv = node.typevar  # type: ignore[attr-defined]
        names = [rv.schemaname, rv.relname] if rv.schemaname else [rv.relname]
    elif kind == "create_stmt":  # a table is a row type too
        rv = node.relation  # type: ignore[attr-defined]
        names = [rv.schemaname, rv.relname] if rv.schemaname else [rv.relname]
    elif kind == "create_extension_stmt":
        ext = node.extname  # type: ignore[attr-defined]
        if ext not in EXTENSION_TYPES:
            known.open = True
        known.names.update(EXTENSION_TYPES.get(ext, ()))
    if names:
        known.names.update(_qualified(names))
