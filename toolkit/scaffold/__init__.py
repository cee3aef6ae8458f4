"""`supakit new`: write a correctly named migration that sorts after every existing one."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import MigrationError, SupakitError
from toolkit.migrations import CLI_PATTERN
from toolkit.naming import migration_slug

if TYPE_CHECKING:
    from toolkit.project import Project
    from toolkit.scaffold.types import KnownTypes

VERSION_FORMAT = "%Y%m%d%H%M%S"
MAX_BUMPS = 10_000
# Files a few seconds ahead are our own earlier bumps in a burst of `supakit new`; not worth a warning.
CLOCK_SKEW_TOLERANCE = dt.timedelta(seconds=60)


@dataclass
class NewMigration:
    path: Path
    version: str
    slug: str
    warnings: list[str] = field(default_factory=list)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)


def existing_versions(migrations_dir: Path) -> list[str]:
    if not migrations_dir.is_dir():
        return []
    out = []
    for p in migrations_dir.iterdir():
        m = CLI_PATTERN.match(p.name)
        if m:
            out.append(m.group(1))
    return out


def _parse_version(v: str) -> dt.datetime | None:
    if len(v) != 14:
        return None
    try:
        return dt.datetime.strptime(v, VERSION_FORMAT)
    except ValueError:
        return None


def next_version(versions: list[str], now: dt.datetime) -> tuple[str, list[str]]:
    """`now` as a 14-digit version, bumped past the newest existing one (string order, as the CLI)."""
    warnings: list[str] = []
    candidate = now.strftime(VERSION_FORMAT)
    newest = max(versions, default="")
    if newest < candidate:
        return candidate, warnings
    newest_time = _parse_version(newest)
    if newest_time is None:
        raise MigrationError(
            f"cannot pick a version that sorts after existing version {newest!r} "
            "(it is not a 14-digit UTC timestamp); rename that file first"
        )
    if newest_time > now + CLOCK_SKEW_TOLERANCE:
        warnings.append(
            f"the newest migration ({newest}) is ahead of this machine's UTC clock ({candidate}); "
            "using the next second after it so the new file still applies last"
        )
    bumped = (newest_time + dt.timedelta(seconds=1)).strftime(VERSION_FORMAT)
    return bumped, warnings


def new_migration(migrations_dir: Path, name: str, content: str, *, now: dt.datetime | None = None) -> NewMigration:
    """Create `<version>_<slug>.sql` with `content`; never overwrites, even if a file appears meanwhile."""
    slug = migration_slug(name)
    if migrations_dir.exists() and not migrations_dir.is_dir():
        raise MigrationError(f"{migrations_dir}: not a folder")
    try:
        migrations_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MigrationError(f"{migrations_dir}: cannot create folder: {e.strerror}") from None
    version, warnings = next_version(existing_versions(migrations_dir), now or utc_now())
    data = content.encode("utf-8")
    for _ in range(MAX_BUMPS):
        path = migrations_dir / f"{version}_{slug}.sql"
        clash = any(v == version for v in existing_versions(migrations_dir))
        if not clash:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                clash = True
            except OSError as e:
                raise MigrationError(f"{path}: cannot create file: {e.strerror}") from None
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                return NewMigration(path, version, slug, warnings)
        parsed = _parse_version(version)
        assert parsed is not None
        version = (parsed + dt.timedelta(seconds=1)).strftime(VERSION_FORMAT)
    raise MigrationError(f"{migrations_dir}: no free version found after {MAX_BUMPS} tries")


def wrap_sql(sql: str) -> str:
    """Given SQL as a file body: refuses blank input, ends with one newline."""
    if not sql.strip():
        raise SupakitError("no SQL given: the input is empty")
    return sql.rstrip() + "\n"


def placeholder(name: str, now: dt.datetime | None = None) -> str:
    stamp = (now or utc_now()).strftime("%Y-%m-%d %H:%M:%S")
    return f"-- {migration_slug(name)}\n-- Created by supakit new at {stamp} UTC. Write the migration below.\n"


def build_content(name: str, *, table: str | None, schema: str, owner_column: str | None,
                  columns: list[str], public_read: bool, sql: str | None,
                  project: Project | None = None, known_types: KnownTypes | None = None) -> str:
    """The body of a new migration from `supakit new` options; conflicting options are refused,
    and so are column types not in `known_types` (when given). The project's migrations say who
    owns the tables a new table points at."""
    from toolkit.scaffold.parents import Parents, read_parents
    from toolkit.scaffold.table import TableSpec, parse_column, render_table

    table_only = [opt for opt, used in (("--column", bool(columns)), ("--public-read", public_read),
                                         ("--schema", schema != "public")) if used]
    if table is None:
        if table_only:
            raise SupakitError(f"{table_only[0]} only makes sense with --table")
        return wrap_sql(sql) if sql is not None else placeholder(name)
    if sql is not None:
        raise SupakitError("--table writes its own SQL; drop --sql/--from-stdin, or --table")
    cols = [parse_column(c, schema, known_types) for c in columns]
    parents = read_parents(project.migrations_dir, project.root) \
        if project is not None and owner_column and any(c.references for c in cols) else Parents()
    spec = TableSpec(table=table, schema=schema, owner_column=owner_column, columns=cols,
                     public_read=public_read, parent_owners=parents.owners, private_parents=frozenset(parents.private))
    return render_table(spec)


__all__ = ["NewMigration", "build_content", "new_migration", "next_version", "placeholder", "wrap_sql"]
