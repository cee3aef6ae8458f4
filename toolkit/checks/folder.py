"""What the Supabase CLI would trip over in supabase/migrations/ before any SQL runs."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.checks import (
    DUPLICATE_MIGRATION_VERSION,
    MIGRATION_VERSION_LENGTH,
    SEED_IN_MIGRATIONS,
    STRAY_FILE_IN_MIGRATIONS,
)
from toolkit.errors import MigrationError
from toolkit.migrations import discover
from toolkit.model import Cause, Finding, Location, ObjectRef
from toolkit.pipeline_rules import skipped_file
from toolkit.registry import RuleInfo

if TYPE_CHECKING:
    from toolkit.project import Project

HARMLESS = {".gitkeep", ".keep"}
SEED_NAME = re.compile(r"(?i)^seeds?([_.-].*)?\.sql$")
STANDARD_LENGTH = 14


def _finding(info: RuleInfo, rel: str, message: str, remediation: str | None = None, cause: str | None = None,
             **evidence: object) -> Finding:
    return info.finding(ObjectRef("file", None, rel), message, location=Location(rel, 1, 1),
                        remediation=remediation, evidence=evidence, cause=cause)


def _entry_finding(p: Path, rel: str, why: str) -> Finding | None:
    if p.is_dir():
        return _finding(STRAY_FILE_IN_MIGRATIONS, rel, f"{rel}/ is a sub-folder: the Supabase CLI never looks inside it",
                        "Move migrations up into supabase/migrations/ and anything else out of it.")
    if p.name in HARMLESS:
        return None
    if SEED_NAME.match(p.name):
        return _finding(SEED_IN_MIGRATIONS, rel, f"{rel} looks like seed data but sits in migrations/, where "
                        "the CLI skips it: it never runs on `supabase db reset`",
                        "Move it to supabase/seed.sql (or list it under [db.seed] sql_paths in config.toml).",
                        cause=Cause.SKIPPED_BY_CLI)
    if p.name.lower().endswith(".sql"):
        return skipped_file(rel, why)
    return _finding(STRAY_FILE_IN_MIGRATIONS, rel, f"{rel} is not a migration: the CLI ignores it, and it hides "
                    "in reviews of this folder", "Delete it or move it out of supabase/migrations/ (and add it to .gitignore).")


def check_folder(project: Project) -> list[Finding]:
    mdir = project.migrations_dir
    if not mdir.is_dir():
        raise MigrationError(f"{project.rel(mdir)}: no such folder")
    disc = discover(mdir, project.root)
    findings: list[Finding] = []
    by_rel = {project.rel(p): p for p in mdir.iterdir()}
    for rel, why in disc.skipped:
        f = _entry_finding(by_rel.get(rel, mdir / Path(rel).name), rel, why)
        if f is not None:
            findings.append(f)
    by_version: dict[str, list[str]] = defaultdict(list)
    for mf in disc.files:
        by_version[mf.version].append(mf.rel)
    for version, rels in sorted(by_version.items()):
        for rel in rels[1:]:
            findings.append(_finding(
                DUPLICATE_MIGRATION_VERSION, rel,
                f"{rel} has version {version}, like {rels[0]}: applying the second fails on the primary key of "
                "supabase_migrations.schema_migrations",
                "Give the newer file the next free version (supakit new picks one), if it was not applied yet.",
                version=version, files=rels))
    lengths = Counter(len(mf.version) for mf in disc.files)
    if len(lengths) > 1:
        expected = STANDARD_LENGTH if STANDARD_LENGTH in lengths else lengths.most_common(1)[0][0]
        for mf in disc.files:
            if len(mf.version) != expected:
                findings.append(_finding(
                    MIGRATION_VERSION_LENGTH, mf.rel,
                    f"{mf.rel}: version {mf.version} has {len(mf.version)} digits where the others have "
                    f"{expected}; versions are compared as strings, so its place in the order is accidental",
                    f"Use {expected}-digit versions (YYYYMMDDHHMMSS) everywhere; rename only files never applied.",
                    version=mf.version, expected_length=expected))
    return findings
