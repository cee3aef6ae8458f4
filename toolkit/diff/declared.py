"""The declared schema files, in the order the Supabase CLI runs them: `supabase/roles.sql` first
(roles are cluster-wide), then `[db.migrations] schema_paths` glob by glob, else every
`supabase/schemas/**/*.sql` in lexical order."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import ConfigError
from toolkit.migrations import MigrationFile

if TYPE_CHECKING:
    from toolkit.project import Project

DEFAULT_PATHS = ("schemas/**/*.sql",)


@dataclass
class Declared:
    roles: MigrationFile | None
    files: list[MigrationFile]
    source: str  # how the files were found, for messages and the generated header
    warnings: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[MigrationFile]:
        return ([self.roles] if self.roles else []) + self.files


def _as_file(project: Project, path: Path, index: int) -> MigrationFile:
    # The version only keys the throwaway database's history table; the path names the file.
    return MigrationFile(path, project.rel(path), f"{index:06d}", project.rel(path))


def declared_schemas(project: Project) -> Declared:
    configured = project.config.schema_paths or None  # `schema_paths = []` means the default, as in the CLI
    patterns = configured if configured is not None else DEFAULT_PATHS
    source = ("[db.migrations] schema_paths in supabase/config.toml" if configured is not None
              else "supabase/schemas")
    base = project.supabase_dir
    seen: dict[Path, None] = {}
    warnings = []
    for pattern in patterns:
        pat = pattern.removeprefix("./")
        matches = sorted(glob.glob(pat, root_dir=base, recursive=True), key=lambda p: p.encode())
        files = [base / m for m in matches if (base / m).is_file()]
        if not files and configured is not None:
            warnings.append(f"schema_paths entry {pattern!r} matches no file under {project.rel(base)}/")
        for f in files:
            seen.setdefault(f.resolve(), None)
    roles_path = base / "roles.sql"
    roles = _as_file(project, roles_path, 0) if roles_path.is_file() else None
    found = [_as_file(project, p, i) for i, p in enumerate(seen, start=1) if p != roles_path.resolve()]
    if not found:
        where = ("the [db.migrations] schema_paths globs match no .sql file" if configured is not None
                 else f"{project.rel(base / 'schemas')}/ holds no .sql file")
        raise ConfigError(f"nothing declared to diff: {where}; declare the schema you want there "
                          "(see docs/diff.md), or use --db-url to record a live database's changes")
    return Declared(roles, found, source, warnings)


__all__ = ["Declared", "declared_schemas"]
