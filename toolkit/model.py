"""The data model every stage shares: findings and their locations, and the catalog snapshot.

This module imports nothing else of ours, so any stage can use it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Level(str, Enum):
    ERROR = "error"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 1, "warn": 2, "error": 3}[self.value]


class Category(str, Enum):
    SECURITY = "security"
    PERFORMANCE = "performance"
    HYGIENE = "hygiene"


class Stage(str, Enum):
    """Which part of a run reports a rule, in the order a change meets them. The values are what
    reports, `supakit rules` and a run's `stages` print."""

    LINT = "lint"  # migration files, no database
    CHECK = "check"  # the migrations folder and its history (git base, lock file)
    APPLY = "apply"  # applying the migrations to a throwaway database
    AUDIT = "audit"  # the catalog snapshot
    PROBE = "probe"  # requests as synthetic users on a throwaway database
    DRIFT = "drift"  # a live database's migration history against the files
    DIFF = "diff"  # `supakit diff`: the declared schemas against the migrations
    SUPPRESSION = "suppression"  # the suppressions themselves, judged after every other stage


@dataclass(frozen=True)
class Location:
    """A place in a project file; `file` is relative to the project root, line and column 1-based."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


_PLAIN_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")
_RESERVED = frozenset({
    "all", "and", "any", "array", "as", "asc", "case", "check", "collate", "column", "constraint",
    "create", "default", "desc", "distinct", "do", "else", "end", "false", "for", "foreign", "from",
    "grant", "group", "having", "in", "into", "is", "join", "limit", "not", "null", "offset", "on",
    "or", "order", "primary", "references", "select", "table", "then", "to", "true", "union",
    "unique", "user", "using", "when", "where", "with", "window",
})
# Objects whose name is one SQL identifier; reports show it quoted when it needs it, as Postgres
# names it ("owners read" on public.notes), so a name with spaces reads as one name.
_IDENTIFIER_TYPES = frozenset({"table", "view", "materialized view", "foreign table", "policy", "index",
                               "constraint", "schema", "extension", "type", "sequence", "trigger"})


def quote_ident(name: str) -> str:
    """`name` as Postgres prints it: quoted only when it needs quotes."""
    if _PLAIN_IDENT.fullmatch(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class ObjectRef:
    type: str  # table, view, policy, function, index, extension, schema, bucket, migration, file
    schema: str | None
    name: str
    parent: str | None = None  # e.g. the table of a policy or index

    def __str__(self) -> str:
        """The identity suppressions, baselines and fingerprints match on."""
        base = f"{self.schema}.{self.name}" if self.schema else self.name
        return f"{base} on {self.parent}" if self.parent else base

    @property
    def label(self) -> str:
        """The name a report shows, quoted where Postgres would quote it."""
        name = quote_ident(self.name) if self.type in _IDENTIFIER_TYPES else self.name
        base = f"{self.schema}.{name}" if self.schema else name
        return f"{base} on {self.owner}" if self.parent else base

    @property
    def owner(self) -> str:
        """The object a report files this one under, named as Postgres names it: a policy,
        index or column under its table, anything else under itself."""
        if self.parent is None:
            return self.label
        schema, dot, name = self.parent.partition(".")
        return f"{schema}.{quote_ident(name)}" if dot else quote_ident(self.parent)


class Cause:
    """Why a finding exists, when rules of several stages see the same problem: findings filed
    under one object with one cause are one problem, and `toolkit.merge` makes them one finding.
    A finding without a cause is its own problem."""

    RLS_OFF = "rls_off"  # the table's row level security is off
    SEARCH_PATH = "search_path_not_pinned"  # the function resolves names through the caller's path
    SYNTAX_ERROR = "syntax_error"  # the file does not parse
    SKIPPED_BY_CLI = "skipped_by_cli"  # the Supabase CLI never applies this file
    POLICY_RECURSION = "policy_recursion"  # a policy of the table reads it again under RLS
    OWNER_NOT_PINNED = "owner_not_pinned"  # an update may hand a row to another user or organisation
    ANON_WRITE = "anon_write"  # anon adds, changes or deletes the table's rows
    FUNCTION_EXPOSED = "function_exposed"  # the API roles call the function and reach data through it

    @staticmethod
    def missing_index(columns: tuple[str, ...] | list[str]) -> str:
        """The index that both a foreign key and a policy want."""
        return f"missing_index({','.join(columns)})"

    @staticmethod
    def parent_key(keys: Iterable[Iterable[str]]) -> str:
        """Writes that may attach a row under someone else's parent row through these foreign
        keys (their columns)."""
        return f"parent_key({';'.join(sorted({','.join(k) for k in keys}))})"


@dataclass
class Finding:
    rule: str
    level: Level
    category: Category
    object: ObjectRef
    message: str
    remediation: str = ""
    location: Location | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    suppressed_by: str | None = None
    cause: str | None = None  # see Cause
    # Findings of other rules with the same object and cause, folded into this one (toolkit.merge).
    merged: list[Finding] = field(default_factory=list)

    @property
    def rules(self) -> list[str]:
        """This finding's rule and the rules of the findings merged into it."""
        return [self.rule, *(m.rule for m in self.merged)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level.value,
            "category": self.category.value,
            "object": asdict(self.object),
            "message": self.message,
            "remediation": self.remediation,
            "location": asdict(self.location) if self.location else None,
            "evidence": self.evidence,
            "suppressed_by": self.suppressed_by,
            "cause": self.cause,
            "merged": [m.to_dict() for m in self.merged],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        loc = d.get("location")
        return cls(
            rule=d["rule"],
            level=Level(d["level"]),
            category=Category(d["category"]),
            object=ObjectRef(**d["object"]),
            message=d["message"],
            remediation=d.get("remediation", ""),
            location=Location(**loc) if loc else None,
            evidence=d.get("evidence") or {},
            suppressed_by=d.get("suppressed_by"),
            cause=d.get("cause"),
            merged=[cls.from_dict(m) for m in d.get("merged") or []],
        )


@dataclass(frozen=True)
class SourceEvent:
    """One DDL command's effect on one object, traced to the statement that ran it."""

    location: Location
    command_tag: str  # e.g. "CREATE TABLE", "ALTER TABLE", "CREATE POLICY"
    object_type: str  # as pg_event_trigger_ddl_commands() names it: "table", "policy", ...
    identity: str  # pg_identify_object() identity, e.g. "public.invoices", "p on public.t"
    statement_kind: str  # libpg_query node name of the statement
    statement: str  # the statement text (trimmed to a reasonable size)


@dataclass
class SourceMap:
    """Which statement created or last touched each object."""

    events: list[SourceEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str], list[SourceEvent]] = {}
        for ev in self.events:
            self._index.setdefault((ev.object_type, ev.identity), []).append(ev)

    def add(self, ev: SourceEvent) -> None:
        self.events.append(ev)
        self._index.setdefault((ev.object_type, ev.identity), []).append(ev)

    def events_for(self, object_type: str, identity: str) -> list[SourceEvent]:
        return self._index.get((object_type, identity), [])

    def created(self, object_type: str, identity: str) -> Location | None:
        evs = self.events_for(object_type, identity)
        for ev in reversed(evs):
            if ev.command_tag.startswith("CREATE"):
                return ev.location
        return evs[0].location if evs else None

    def to_list(self) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.events]

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> SourceMap:
        return cls([SourceEvent(**{**e, "location": Location(**e["location"])}) for e in items])


COVERAGE_STATUSES = ("no grant", "denied", "row-scoped", "predicate", "open", "no RLS")


@dataclass(slots=True)
class CoverageCell:
    """What one API role can do with one command on one exposed table. Eight per table, so not
    frozen: a frozen dataclass's __init__ costs four times as much, and nothing changes a cell."""

    schema: str
    table: str
    role: str  # anon | authenticated
    command: str  # select | insert | update | delete
    status: str  # one of COVERAGE_STATUSES
    policies: tuple[str, ...] = ()
    # Where each of `policies` was created, in the same order; None when no file is known (a live
    # database). Reports that show sources use it; the JSON leaves it out, so a live and a
    # throwaway audit of the same schema give the same coverage.
    locations: tuple[Location | None, ...] = ()
    surfaces: tuple[str, ...] = ("rest",)  # how the API serves the table: rest, graphql


@dataclass
class RunResult:
    """What one command produced, for the reporters and the suppressions.

    `stages` are the stages that ran (the suppressions run after them, whenever a report is
    made); `incomplete` says migrations failed, so the database stages saw part of the schema;
    `error` says the run stopped early (the command exits 2, its report shows what it got to);
    `timings` are seconds per step. `info` holds the other run facts reports show: project,
    command, engine, exposure, applied migrations, failures, stubbed extensions, probe summary."""

    findings: list[Finding] = field(default_factory=list)
    coverage: list[CoverageCell] = field(default_factory=list)
    stages: tuple[Stage, ...] = ()
    incomplete: bool = False
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def ran(self, *stages: Stage) -> None:
        """Record stages as run, in order, once each."""
        self.stages += tuple(s for s in stages if s not in self.stages)

    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed_by]

    def worst(self) -> Level | None:
        levels = [f.level for f in self.active()]
        return max(levels, key=lambda lv: lv.rank) if levels else None

    @contextlib.contextmanager
    def timed(self, step: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:  # a step that failed took its time too
            self.timings[step] = time.perf_counter() - t0

    def report_info(self) -> dict[str, Any]:
        """`info` with the typed facts folded in, as the JSON report prints it."""
        out = {**self.info, "stages": [s.value for s in self.stages], "incomplete": self.incomplete,
               "timings": {k: round(v, 4) for k, v in self.timings.items()}}
        if self.error is not None:
            out["error"] = self.error
        return out


# ---------------------------------------------------------------------------------------------
# Catalog snapshot: what `catalog.take_snapshot` reads and every audit rule reasons from.
# Views, materialized views and foreign tables are `Table`s with their `kind`; privileges of the
# API roles live on the object they apply to. Roles are "anon", "authenticated" and "PUBLIC".
# ---------------------------------------------------------------------------------------------

API_ROLES = ("anon", "authenticated")
COMMANDS = ("select", "insert", "update", "delete")
# Supabase's default `[api] extra_search_path` (PostgREST's db-extra-search-path).
DEFAULT_EXTRA_SEARCH_PATH = ("public", "extensions")


@dataclass(frozen=True)
class Schema:
    name: str
    owner: str
    exposed: bool = False  # listed in the Data API's exposed schemas
    usage: tuple[str, ...] = ()  # API roles (and PUBLIC) holding USAGE
    create: tuple[str, ...] = ()  # API roles (and PUBLIC) holding CREATE
    extension: str | None = None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    generated: bool = False
    identity: str | None = None  # "always" | "by default"
    # reg* OID-alias types (regproc, regclass, ...) the column stores, directly or inside an
    # array, domain, range or composite type
    reg_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Index:
    name: str
    identity: str  # schema.index, as pg_identify_object names it
    columns: tuple[str | None, ...] = ()  # key columns in order; None where the key is an expression
    include: tuple[str, ...] = ()
    expressions: str | None = None
    predicate: str | None = None
    unique: bool = False
    primary: bool = False
    constraint: str | None = None  # the PK/UNIQUE/EXCLUDE constraint it backs
    method: str = "btree"
    valid: bool = True
    definition: str = ""
    scans: int | None = None  # index scans since statistics were reset (live databases only)


@dataclass(frozen=True)
class TableStats:
    """What the planner knows about a table's size (live databases only, after ANALYZE)."""

    pages: int
    tuples: float  # reltuples: -1 when the table was never vacuumed or analysed
    row_width: int | None = None  # average bytes of a row's data, from pg_stats; None if unanalysed
    fillfactor: int = 100


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str  # identity of the referenced table, e.g. "auth.users"
    ref_columns: tuple[str, ...]
    on_delete: str = "no action"  # no action | restrict | cascade | set null | set default
    inherited: bool = False  # cloned from a partitioned parent's constraint


@dataclass(frozen=True)
class Policy:
    name: str
    schema: str
    table: str
    identity: str  # "name on schema.table", as pg_identify_object names it
    command: str  # select | insert | update | delete | all
    permissive: bool
    roles: tuple[str, ...]  # role names; "public" for PUBLIC
    using: str | None = None  # pg_get_expr text under search_path ''
    with_check: str | None = None

    def applies_to(self, role: str) -> bool:
        return "public" in self.roles or role in self.roles

    def covers(self, command: str) -> bool:
        return self.command in ("all", command)


@dataclass
class Table:
    """A relation the API could serve: table (r), partitioned table (p), view (v), materialized
    view (m) or foreign table (f)."""

    schema: str
    name: str
    kind: str
    identity: str  # schema.name, as pg_identify_object names it
    owner: str = ""
    rls: bool = False
    force_rls: bool = False
    partition_of: str | None = None  # identity of the partitioned parent
    extension: str | None = None
    security_invoker: bool = False  # views only
    security_barrier: bool = False  # views only
    reads: tuple[str, ...] = ()  # views and matviews: identities of the relations their query reads
    columns: tuple[Column, ...] = ()
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    policies: tuple[Policy, ...] = ()
    privileges: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> select, insert...
    column_privileges: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    stats: TableStats | None = None  # live databases only

    @property
    def is_view(self) -> bool:
        return self.kind in ("v", "m")

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None


@dataclass(frozen=True)
class Argument:
    """One parameter of a function, in declaration order."""

    name: str  # "" when unnamed
    type: str  # format_type, schema-qualified where needed, e.g. "uuid", "public.order_status[]"
    mode: str = "in"  # in | out | inout | variadic | table
    has_default: bool = False

    @property
    def is_input(self) -> bool:
        return self.mode in ("in", "inout", "variadic")


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    identity: str  # as pg_identify_object names it, e.g. "public.f(pg_catalog.uuid)"
    identity_args: str = ""  # e.g. "org uuid"
    kind: str = "f"  # f function, p procedure, a aggregate, w window
    security_definer: bool = False
    search_path: str | None = None  # the value pinned in proconfig; None when not pinned
    config: tuple[str, ...] = ()
    volatility: str = "volatile"  # immutable | stable | volatile
    language: str = "sql"
    returns: str = ""
    owner: str = ""
    execute: tuple[str, ...] = ()  # API roles (and PUBLIC) allowed to EXECUTE it
    extension: str | None = None
    args: tuple[Argument, ...] = ()
    returns_set: bool = False
    definition: str | None = None  # pg_get_functiondef of SQL and PL/pgSQL functions of the project

    @property
    def inputs(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.args if a.is_input)

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name}({self.identity_args})"


@dataclass(frozen=True)
class Extension:
    name: str
    schema: str
    version: str = ""
    relocatable: bool = False
    # The version this server would install, when it can upgrade to it (live databases only).
    default_version: str | None = None


@dataclass(frozen=True)
class Bucket:
    id: str
    name: str
    public: bool = False


@dataclass
class Snapshot:
    """One read of the catalog. `query_count` is how many queries produced it (fixed)."""

    server_version: str = ""
    exposed_schemas: tuple[str, ...] = ()
    # PostgREST's db-extra-search-path: where a GraphQL request (served through graphql_public)
    # finds its tables.
    extra_search_path: tuple[str, ...] = DEFAULT_EXTRA_SEARCH_PATH
    api_roles: tuple[str, ...] = ()  # which of anon/authenticated exist in the database
    schemas: tuple[Schema, ...] = ()
    tables: tuple[Table, ...] = ()
    functions: tuple[Function, ...] = ()
    extensions: tuple[Extension, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    buckets_known: bool = False  # storage.buckets existed and could be read
    # Runtime statistics were read (a live database): index scans, table sizes, extension
    # versions. A throwaway database has none worth reading.
    statistics: bool = False
    stats_since: str | None = None  # when the database's statistics were last reset
    block_size: int = 8192
    query_count: int = 0

    def __post_init__(self) -> None:
        self._tables = {t.identity: t for t in self.tables}
        self._schemas = {s.name: s for s in self.schemas}

    def table(self, identity: str) -> Table | None:
        return self._tables.get(identity)

    def schema(self, name: str) -> Schema | None:
        return self._schemas.get(name)

    def bucket(self, bucket_id: str) -> Bucket | None:
        return next((b for b in self.buckets if b.id == bucket_id), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Snapshot:
        return _rebuild(cls, d)


def _rebuild(tp: Any, value: Any) -> Any:
    """Turn JSON-decoded data back into the typed snapshot classes (lists become tuples)."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _rebuild(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        (item,) = typing.get_args(tp)[:1]
        return tuple(_rebuild(item, v) for v in value)
    if origin is dict:
        _key, item = typing.get_args(tp)
        return {k: _rebuild(item, v) for k, v in value.items()}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        kwargs = {f.name: _rebuild(hints[f.name], value[f.name]) for f in dataclasses.fields(tp) if f.init and f.name in value}
        return tp(**kwargs)
    return value
