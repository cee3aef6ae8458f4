"""Let `create extension` succeed on a plain PostgreSQL the way it does on Supabase.

A packaged extension always wins. When `postgres` may not create it itself (untrusted, e.g.
moddatetime, postgres_fdw), it is created by a superuser helper, as supautils does on Supabase.
When the server lacks it, one of our SQL stubs (`shim/stubs/<name>.sql`) is installed in its place
and registered in `pg_extension`, so its objects are extension members that no rule reports.

PostgreSQL 15 reads control files only from its compiled-in share directory, which we must not
write to, so the statement is intercepted here instead (see docs/extensions.md). The helpers are
SECURITY DEFINER functions loaded on first need by the bootstrap superuser; calling them from the
migration's connection keeps everything inside the file's transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from toolkit.errors import ConfigError
from toolkit.sql.split import Statement

if TYPE_CHECKING:
    from pathlib import Path

    import psycopg

    from toolkit.engine.base import Database

STUB_PACKAGE = "toolkit.shim.stubs"
HELPER_FILE = "_install.sql"
STUB_AMS = frozenset({"hnsw", "ivfflat"})

# Third-party extensions Debian packages under another name than postgresql-<major>-<extname>.
DEBIAN_PACKAGES = {
    "postgis": "postgis-3", "postgis_raster": "postgis-3", "postgis_topology": "postgis-3",
    "postgis_sfcgal": "postgis-3", "postgis_tiger_geocoder": "postgis-3",
    "address_standardizer": "postgis-3", "address_standardizer_data_us": "postgis-3",
    "pg_cron": "cron", "pg_repack": "repack", "pg_partman": "partman", "timescaledb": "timescaledb",
}


@dataclass(frozen=True)
class Stub:
    """One stub script and what its header says about it."""

    name: str
    version: str
    schema: str | None  # the schema the real control file fixes, if any
    relocatable: bool
    supports: str
    lacks: str
    script: str


_HEADER = re.compile(r"^--\s*(version|schema|relocatable|supports|lacks):\s*(.*?)\s*$", re.M)


def parse_stub(name: str, text: str) -> Stub:
    head = dict(_HEADER.findall(text.split("\n\n", 1)[0]))
    return Stub(
        name=name,
        version=head.get("version", "0"),
        schema=head.get("schema") or None,
        relocatable=head.get("relocatable", "false") == "true",
        supports=head.get("supports", ""),
        lacks=head.get("lacks", ""),
        script=text,
    )


@cache
def stubs() -> dict[str, Stub]:
    """Every stub we ship, by extension name."""
    out: dict[str, Stub] = {}
    for entry in resources.files(STUB_PACKAGE).iterdir():
        fname = entry.name
        if fname.endswith(".sql") and not fname.startswith("_"):
            out[fname[:-4]] = parse_stub(fname[:-4], entry.read_text(encoding="utf-8"))
    return dict(sorted(out.items()))


def helper_sql() -> str:
    return resources.files(STUB_PACKAGE).joinpath(HELPER_FILE).read_text(encoding="utf-8")


# Enabled on a new hosted project before its first migration (besides plpgsql, uuid-ossp, pgcrypto
# and pg_stat_statements, which the shim creates): a seed may call vault.create_secret at once.
PREINSTALLED = ("supabase_vault",)


def install_helpers(conn: psycopg.Connection) -> None:
    """Load the superuser helpers and every stub script (a superuser connection; the shim does it
    once per template)."""
    conn.execute(helper_sql())
    with conn.cursor() as cur:
        cur.executemany(
            "insert into supakit.extension_stubs (name, version, schema, relocatable, script) "
            "values (%s, %s, %s, %s, %s) on conflict (name) do update set version = excluded.version, "
            "schema = excluded.schema, relocatable = excluded.relocatable, script = excluded.script",
            [(s.name, s.version, s.schema, s.relocatable, s.script) for s in stubs().values()],
        )


def preinstall(conn: psycopg.Connection) -> None:
    """The platform's own extensions, owned by the superuser as on Supabase (a superuser connection)."""
    for name in PREINSTALLED:
        conn.execute("select supakit.install_stub(%s, null, 'public') "
                     "where not exists (select from pg_extension where extname = %s)", (name, name))


class StatementRefused(Exception):
    """A statement the gate will not run; the message is one line for file:line:col."""

    def __init__(self, message: str, sqlstate: str = "0A000") -> None:
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate


def unavailable_message(name: str, major: int) -> str:
    package = f"postgresql-{major}-{DEBIAN_PACKAGES.get(name, name.replace('_', '-'))}"
    return (
        f'extension "{name}" is not available on this PostgreSQL; install it (e.g. apt-get install '
        f"{package}), or list it in absent_extensions under [tool.supakit] to skip its create "
        f"extension statements (supakit stubs only {', '.join(stubs())})"
    )


def absent_extensions_setting(value: Any, source: Path | None) -> tuple[str, ...]:
    """The `absent_extensions` setting: names whose create extension is skipped when unavailable."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        where = str(source) if source else "settings"
        raise ConfigError(f'{where}: absent_extensions must be a list of extension names, e.g. ["timescaledb"]')
    return tuple(value)


def _defelems(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        d = item.def_elem
        arg = d.arg
        which = arg.WhichOneof("node") if arg is not None else None
        if which == "string":
            out[d.defname] = arg.string.sval
        elif which == "boolean":
            out[d.defname] = arg.boolean.boolval
        elif which == "list":
            out[d.defname] = [i.string.sval for i in arg.list.items]
        elif which is None:
            out[d.defname] = None
        else:
            out[d.defname] = getattr(arg, which)
    return out


def strip_index_options(text: str) -> str:
    """Blank out the WITH (...) of a CREATE INDEX, keeping every other character where it was."""
    import postgast

    raw = text.encode("utf-8")
    tokens = list(postgast.scan(text).tokens)
    depth = 0
    for i, tok in enumerate(tokens):
        piece = raw[tok.start:tok.end]
        if piece == b"(":
            depth += 1
        elif piece == b")":
            depth -= 1
        elif depth == 0 and piece.lower() == b"with" and i + 1 < len(tokens) and raw[tokens[i + 1].start:tokens[i + 1].end] == b"(":
            inner = 0
            for tok2 in tokens[i + 1:]:
                p2 = raw[tok2.start:tok2.end]
                inner += (p2 == b"(") - (p2 == b")")
                if inner == 0:
                    start, end = tok.start, tok2.end
                    blank = bytes(b if b == 0x0A else 0x20 for b in raw[start:end])
                    return (raw[:start] + blank + raw[end:]).decode("utf-8")
    return text


@dataclass
class _ServerFacts:
    superuser: bool
    major: int
    available: dict[str, bool]  # name -> trusted (default version)


@dataclass
class ExtensionGate:
    """Decides, statement by statement, what the applier runs for extension-related DDL."""

    db: Database
    conn: psycopg.Connection
    absent: frozenset[str] = frozenset()
    stubbed: list[str] = field(default_factory=list)  # committed, in order
    skipped: list[str] = field(default_factory=list)  # notes on statements not run, committed
    _pending: list[str] = field(default_factory=list)
    _pending_skips: list[str] = field(default_factory=list)
    _facts: _ServerFacts | None = None
    _helper: bool | None = None
    _key: str | None = None

    # -- per file -----------------------------------------------------------------------------
    def prepare(self, stmts: list[Statement]) -> None:
        """Before the file's transaction: find the superuser helpers if a statement may need them."""
        if self._helper is None and any(self._may_need_helper(s) for s in stmts):
            self.helpers()

    def finish(self, committed: bool) -> None:
        if committed:
            for name in self._pending:
                if name not in self.stubbed:
                    self.stubbed.append(name)
            self.skipped += self._pending_skips
        self._pending.clear()
        self._pending_skips.clear()

    # -- per statement ------------------------------------------------------------------------
    def sql_for(self, stmt: Statement, where: str) -> str | None:
        """The SQL to run in place of `stmt` (its own text when untouched), or None to skip it."""
        kind = stmt.kind
        if kind == "create_extension_stmt":
            return self._create_extension(stmt, where)
        if kind == "create_fdw_stmt":
            return self._create_fdw(stmt)
        if _moves_extension(stmt):
            if self._server().superuser or not self._helper:
                return stmt.text
            return self._call("supakit.alter_extension_schema", stmt.node.object.string.sval, stmt.node.newschema)
        if kind == "index_stmt" and stmt.node.access_method in STUB_AMS and len(stmt.node.options) and \
                "vector" in self._all_stubbed():
            return strip_index_options(stmt.text)
        if kind == "sec_label_stmt" and stmt.node.provider == "pgsodium" and "pgsodium" in self._all_stubbed():
            self._pending_skips.append(f"{where}: skipped security label for pgsodium (pgsodium is a stub; "
                                       "nothing is encrypted)")
            return None
        if kind == "alter_extension_stmt" and stmt.node.extname in self._all_stubbed():
            self._pending_skips.append(f"{where}: skipped alter extension {stmt.node.extname} "
                                       "(the extension is a stub)")
            return None
        if kind == "import_foreign_schema_stmt" and self._stub_server(stmt.node.server_name):
            self._pending_skips.append(
                f"{where}: skipped import foreign schema {stmt.node.remote_schema} from server "
                f"{stmt.node.server_name} (the wrapper is a stub and cannot list remote tables)")
            return None
        return stmt.text

    def superuser(self) -> bool:
        """Whether migrations run as a superuser (a `postgres:15` container): nothing to lend then."""
        return self._server().superuser

    def _all_stubbed(self) -> list[str]:
        return self.stubbed + self._pending

    def _may_need_helper(self, stmt: Statement) -> bool:
        if stmt.kind == "create_fdw_stmt" or _moves_extension(stmt):
            return not self._server().superuser
        if stmt.kind != "create_extension_stmt":
            return False
        facts = self._server()
        name = stmt.node.extname
        if name in facts.available:
            return not facts.superuser and not facts.available[name]
        return name in stubs()

    def _create_extension(self, stmt: Statement, where: str) -> str | None:
        node = stmt.node
        name = node.extname
        opts = _defelems(node.options)
        facts = self._server()
        if self._installed(name):
            if name in stubs() and name not in facts.available and name not in self._all_stubbed():
                self._pending.append(name)  # pre-installed, as on a new hosted project: still a stand-in
            return stmt.text
        if name in self.absent and name not in facts.available:
            self._pending_skips.append(f"{where}: skipped create extension {name} (listed in absent_extensions)")
            return None
        if name in facts.available:
            if facts.superuser or facts.available[name] or not self._helper:
                return stmt.text
            return self._call("supakit.create_extension", name, opts.get("schema"), "@current_schema",
                              opts.get("new_version"), bool(opts.get("cascade")))
        if name in stubs() and self._helper:
            self._pending.append(name)
            return self._call("supakit.install_stub", name, opts.get("schema"), "@current_schema",
                              opts.get("new_version"))
        raise StatementRefused(unavailable_message(name, facts.major))

    def _create_fdw(self, stmt: Statement) -> str:
        if self._server().superuser or not self._helper:
            return stmt.text
        node = stmt.node
        funcs = _defelems(node.func_options)
        opts = _defelems(node.options)

        def proc(key: str, args: str) -> str:
            names = funcs.get(key)
            if not names:
                return "null"
            qualified = ".".join(sql_ident(n) for n in names)
            return f"{sql_literal(qualified + args)}::regprocedure"

        keys = "array[" + ", ".join(sql_literal(k) for k in opts) + "]::text[]"
        values = "array[" + ", ".join(sql_literal(str(v)) for v in opts.values()) + "]::text[]"
        return (f"select supakit.create_fdw({sql_literal(node.fdwname)}, {proc('handler', '()')}, "
                f"{proc('validator', '(text[], oid)')}, {keys}, {values})")

    # -- database facts -----------------------------------------------------------------------
    def _server(self) -> _ServerFacts:
        if self._facts is None:
            row = self.conn.execute(
                "select (select rolsuper from pg_roles where rolname = current_user), "
                "current_setting('server_version_num')::int / 10000").fetchone()
            assert row is not None
            rows = self.conn.execute(
                "select e.name, coalesce(bool_or(v.trusted) filter (where v.version = e.default_version), false) "
                "from pg_available_extensions e join pg_available_extension_versions v using (name) "
                "group by e.name").fetchall()
            self._facts = _ServerFacts(bool(row[0]), int(row[1]), {n: bool(t) for n, t in rows})
        return self._facts

    def _installed(self, name: str) -> bool:
        row = self.conn.execute("select exists (select from pg_extension where extname = %s)", (name,)).fetchone()
        return bool(row and row[0])

    def _stub_server(self, server: str) -> bool:
        if "wrappers" not in self._all_stubbed():
            return False
        row = self.conn.execute(
            "select exists (select from pg_foreign_server s "
            "join pg_foreign_data_wrapper w on w.oid = s.srvfdw "
            "join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = w.fdwhandler and d.deptype = 'e' "
            "join pg_extension x on x.oid = d.refobjid and x.extname = 'wrappers' "
            "where s.srvname = %s)", (server,)).fetchone()
        return bool(row and row[0])

    def _install_helper(self) -> bool:
        """Whether the helpers are there (the template has them); the first call that needs the
        applier's key also hands it to the database, on a superuser connection."""
        row = self.conn.execute("select to_regprocedure('supakit.install_stub(text,text,text,text)') "
                                "is not null").fetchone()
        return bool(row and row[0])

    def key(self) -> str | None:
        """The key the keyed helpers want (see _install.sql), registered on first use; None when
        the database has no helpers or supakit has no superuser connection to it."""
        if self._key is None:
            self._key = self._register_key()
        return self._key or None

    def _register_key(self) -> str:
        import secrets

        import psycopg

        if not self.db.superuser_dsn or not self.helpers():
            return ""
        key = secrets.token_hex(16)
        try:
            with self.db.connect(superuser=True) as su:
                su.execute("insert into supakit.helper_keys (digest) values (%s)",
                           (hashlib.sha256(key.encode()).digest(),))
        except psycopg.Error:
            return ""
        return key

    def helpers(self) -> bool:
        if self._helper is None:
            self._helper = self._install_helper()
        return self._helper

    def _call(self, fn: str, *args: Any) -> str:
        rendered = []
        for a in args:
            if a == "@current_schema":
                rendered.append("current_schema()")
            elif a is None:
                rendered.append("null")
            elif isinstance(a, bool):
                rendered.append("true" if a else "false")
            else:
                rendered.append(sql_literal(str(a)))
        return f"select {fn}({', '.join(rendered)})"


def _moves_extension(stmt: Statement) -> bool:
    """ALTER EXTENSION ... SET SCHEMA."""
    if stmt.kind != "alter_object_schema_stmt":
        return False
    from postgast import pg_query_pb2

    return bool(pg_query_pb2.ObjectType.Name(stmt.node.object_type) == "OBJECT_EXTENSION")


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


__all__ = ["ExtensionGate", "StatementRefused", "Stub", "stubs", "strip_index_options", "unavailable_message"]
