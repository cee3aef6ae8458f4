"""The differ: migra over schemainspect, the Python engine the Supabase CLI has run for `db diff`.

Everything here loads migra and SQLAlchemy on first use, so no other command pays for them. Each
database is inspected once per state; the per-schema views the CLI builds by inspecting again are
cut from that one load instead.
"""

from __future__ import annotations

import copy
import functools
import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from toolkit.errors import EngineError, SupakitError

if TYPE_CHECKING:
    from toolkit.engine.base import Database

INSTALL_HINT = ("supakit diff needs its differ (migra): pip install 'supakit[diff]' "
                "(or `make setup` in a checkout)")

# Supabase-managed schemas whose policies and triggers are the user's (storage.objects policies,
# a trigger on auth.users), as the CLI diffs them; nothing else in them is.
MANAGED_SCHEMAS = ("auth", "storage", "realtime")
# Schemas that are never the user's, whatever --schema says.
NEVER_SCHEMAS = ("extensions", "vault", "net", "cron", "pgbouncer", "information_schema", "supakit",
                 "_realtime", "_analytics", "tiger", "topology")
NEVER_PREFIXES = ("pg_", "graphql", "supabase_", "pgsodium")


def is_user_schema(name: str) -> bool:
    return (name not in NEVER_SCHEMAS and name not in MANAGED_SCHEMAS
            and not name.startswith(NEVER_PREFIXES))


def require() -> None:
    """Fail before any database starts when the differ is not installed."""
    from importlib.util import find_spec

    missing = [m for m in ("migra", "schemainspect", "sqlalchemy") if find_spec(m) is None]
    if missing:
        raise SupakitError(f"{INSTALL_HINT} ({', '.join(missing)} not installed)")


def _resource_stream(module: str, path: str) -> IO[bytes]:
    """pkg_resources' meaning: `path` relative to the folder of `module`'s file."""
    from pathlib import Path

    return (Path(str(sys.modules[module].__file__)).parent / path).open("rb")


def _frames(context: int = 1) -> list[tuple[Any, ...]]:
    """inspect.stack() without reading every frame's source file: schemainspect only wants the
    frames, to find which of its modules asked for a file."""
    frame, out = sys._getframe(1), []
    while frame is not None:
        out.append((frame,))
        frame = frame.f_back  # type: ignore[assignment]
    return out


@functools.cache
def load() -> tuple[Any, Any, Any]:
    """schemainspect reads its SQL files at import, through `pkg_resources` (which setuptools 81
    removed, and whose import scans every installed distribution) and `inspect.stack()` (which
    reads the source of every frame). While it imports, a stand-in serves pkg_resources' one
    function and the stack comes without source: 0.8 s less start-up. Both are put back after."""
    import inspect

    stand_in = "pkg_resources" not in sys.modules and "schemainspect" not in sys.modules
    if stand_in:
        module = types.ModuleType("pkg_resources")
        module.resource_stream = _resource_stream  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = module
    stack = inspect.stack
    inspect.stack = _frames  # type: ignore[assignment]
    try:
        import sqlalchemy
        from migra import Migration
        from schemainspect import get_inspector
    except ImportError as e:
        raise SupakitError(f"{INSTALL_HINT} ({e})") from None
    finally:
        inspect.stack = stack
        if stand_in:
            del sys.modules["pkg_resources"]
    return sqlalchemy, Migration, get_inspector


@dataclass
class Inspected:
    """One database's catalog as schemainspect reads it, and the user schemas it holds."""

    inspector: Any
    schemas: tuple[str, ...]

    def column_type(self, schema: str, table: str, column: str) -> str | None:
        rel = self.inspector.relations.get(f'"{schema}"."{table}"')
        col = rel.columns.get(column) if rel is not None else None
        return str(col.dbtypestr) if col is not None else None


def inspect(db: Database, *, step_down: bool = False) -> Inspected:
    """Read the catalog through SQLAlchemy over our own psycopg connection (a live database's stays
    read only). Under `search_path = ''`, as the CLI does, every name in the output is qualified.
    `step_down`: a login role that is a member of `postgres` acts as it, so the grants it reads are
    the ones migrations made."""
    sqlalchemy, _migration, get_inspector = load()
    from sqlalchemy.pool import NullPool

    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=lambda: db.connect(autocommit=False),
                                      poolclass=NullPool)
    try:
        conn_cm = engine.connect()
    except sqlalchemy.exc.DBAPIError as e:
        engine.dispose()
        raise EngineError(f"the differ cannot connect: {_first_line(e.orig)}") from None
    try:
        with conn_cm as conn:
            if step_down:
                member = conn.exec_driver_sql(
                    "select current_user <> 'postgres' and pg_has_role('postgres', 'member')").scalar()
                if member:
                    conn.exec_driver_sql("set role postgres")
            conn.exec_driver_sql("set search_path = ''")
            inspector = get_inspector(conn)
            conn.rollback()
    except sqlalchemy.exc.DBAPIError as e:
        raise EngineError(f"the differ could not read the catalog: {_first_line(e.orig)}") from None
    finally:
        engine.dispose()
    schemas = tuple(s for s in inspector.schemas if is_user_schema(s))
    return Inspected(inspector, schemas)


def _first_line(e: BaseException | None) -> str:
    from toolkit.engine.url import redact

    lines = str(e).strip().splitlines() if e is not None else []
    return redact(lines[0]) if lines else type(e).__name__


def _view(inspector: Any, keep: Callable[[str, Any], bool]) -> Any:
    """A shallow copy of the inspector that holds only the objects `keep(property, obj)` accepts."""
    from schemainspect.pg.obj import PROPS

    out = copy.copy(inspector)
    for prop in PROPS.split():
        setattr(out, prop, {k: v for k, v in getattr(inspector, prop).items() if keep(prop, v)})
    return out


@dataclass(frozen=True)
class Scope:
    """Which schemas are diffed in full, and which only for their policies and triggers."""

    user: tuple[str, ...]
    managed: tuple[str, ...]


def check_requested(schemas: Iterable[str]) -> None:
    refused = [s for s in schemas if not is_user_schema(s) and s not in MANAGED_SCHEMAS]
    if refused:
        raise SupakitError(f"--schema {refused[0]}: Supabase manages that schema, so supakit diff never "
                           f"compares it (user schemas, plus {', '.join(MANAGED_SCHEMAS)} for policies and triggers)")


def scope_for(a: Inspected, b: Inspected, requested: Iterable[str] = ()) -> Scope:
    """Default: every user schema on either side plus the managed ones; `requested` narrows it."""
    wanted = tuple(dict.fromkeys(requested))
    check_requested(wanted)
    if wanted:
        return Scope(tuple(s for s in wanted if is_user_schema(s)), tuple(s for s in wanted if s in MANAGED_SCHEMAS))
    return Scope(tuple(sorted(set(a.schemas) | set(b.schemas))), MANAGED_SCHEMAS)


def _keep_user(schemas: tuple[str, ...]) -> Callable[[str, Any], bool]:
    # Extensions installed into `extensions` are declared by the user even though the schema is not.
    return lambda prop, obj: obj.schema in schemas or (prop == "extensions" and obj.schema == "extensions")


def statements(a: Inspected, b: Inspected, scope: Scope, *, structure: bool = True,
               privileges: bool = True) -> list[str]:
    """What takes database `a` to `b`: the structure (in migra's dependency order), then the
    table privileges. Unsafe statements are kept; the caller classifies them."""
    _sa, Migration, _gi = load()
    out: list[str] = []

    def run(keep: Callable[[str, Any], bool], add: Callable[[Any], None]) -> None:
        m = Migration(_view(a.inspector, keep), _view(b.inspector, keep), ignore_extension_versions=True)
        m.set_safety(False)
        add(m)
        out.extend(s.strip() for s in m.statements if s.strip())

    if scope.user:
        keep = _keep_user(scope.user)
        if structure:
            run(keep, lambda m: m.add_all_changes(privileges=False))
        if privileges:
            def grants(m: Any) -> None:
                m.add(m.changes.privileges(drops_only=True))
                m.add(m.changes.privileges(creations_only=True))

            run(keep, grants)
    if structure and scope.managed:
        def managed(m: Any) -> None:
            m.add(m.changes.triggers(drops_only=True))
            m.add(m.changes.rlspolicies(drops_only=True))
            m.add(m.changes.rlspolicies(creations_only=True))
            m.add(m.changes.triggers(creations_only=True))

        run(lambda _prop, obj: obj.schema in scope.managed, managed)
    return out


__all__ = ["INSTALL_HINT", "MANAGED_SCHEMAS", "Inspected", "Scope", "check_requested", "inspect", "is_user_schema",
           "load", "require", "scope_for", "statements"]
