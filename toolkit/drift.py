"""Migration history drift: what a deployed database has applied against what the repo holds.

The Supabase CLI records each applied migration in `supabase_migrations.schema_migrations`
(version, name, and the statements it sent). Comparing that with the local files tells a
pre-deploy check what `supabase db push` would apply, which applied migrations the repo has
lost, and which files were edited after they ran (an edit that will never reach that database).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.model import Category, Finding, Level, Location, ObjectRef, Stage
from toolkit.registry import RuleInfo, register

if TYPE_CHECKING:
    import psycopg

    from toolkit.migrations import MigrationFile

PENDING_MIGRATION = register(RuleInfo(
    id="pending_migration", level=Level.INFO, category=Category.HYGIENE,
    summary="A local migration the database has not applied yet; the next deploy will run it.",
    stage=Stage.DRIFT,
    fix="Review it with `supakit audit --db-url URL --pending-only` before deploying."))
UNKNOWN_REMOTE_MIGRATION = register(RuleInfo(
    id="unknown_remote_migration", level=Level.ERROR, category=Category.HYGIENE,
    summary="The database applied a migration version that has no file in supabase/migrations/.",
    stage=Stage.DRIFT))
EDITED_AFTER_APPLY = register(RuleInfo(
    id="edited_after_apply", level=Level.ERROR, category=Category.HYGIENE,
    summary="A migration file differs from the statements the database recorded when it ran.",
    stage=Stage.DRIFT,
    fix="Restore the file to what was applied and put the change in a new migration "
        "(`supakit new NAME`)."))
MIGRATION_HISTORY_UNAVAILABLE = register(RuleInfo(
    id="migration_history_unavailable", level=Level.INFO, category=Category.HYGIENE,
    summary="The database has no readable supabase_migrations.schema_migrations; drift not checked.",
    stage=Stage.DRIFT,
    fix="Audit with a role that can read the history table, or ignore this when the database is "
        "not managed with `supabase db push`."))

DRIFT_NOT_CHECKED = register(RuleInfo(
    id="drift_not_checked", level=Level.INFO, category=Category.HYGIENE,
    summary="supakit audit --db-url ran outside a project: the database was audited, its migration "
            "history not compared with any files.",
    stage=Stage.DRIFT,
    fix="Run it inside the project (or with --project-dir) to check migration drift too."))

HISTORY_TABLE = "supabase_migrations.schema_migrations"
HISTORY = f"select version, name, statements from {HISTORY_TABLE} order by version"


@dataclass(frozen=True)
class AppliedMigration:
    version: str
    name: str | None
    statements: tuple[str, ...] | None  # None: recorded by a CLI too old to store them


@dataclass
class History:
    """`applied` is None when the history could not be read; `reason` says why."""

    applied: list[AppliedMigration] | None
    reason: str = ""


@dataclass
class Drift:
    findings: list[Finding] = field(default_factory=list)
    pending: list[MigrationFile] = field(default_factory=list)

    @property
    def info(self) -> dict[str, object]:
        return {"pending": [mf.rel for mf in self.pending]}


def read_history(conn: psycopg.Connection) -> History:
    """One query in a read-only transaction. A missing or unreadable table is not an error: a
    database the CLI never pushed to has none, and an auditor role may lack the grant."""
    import psycopg

    try:
        with conn.transaction():
            rows = conn.execute(HISTORY).fetchall()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        return History(None, f"{HISTORY_TABLE} does not exist (no migration was ever pushed with the Supabase CLI)")
    except psycopg.errors.InsufficientPrivilege:
        return History(None, f"permission denied for {HISTORY_TABLE}; grant the auditing role "
                             f"USAGE on schema supabase_migrations and SELECT on the table")
    return History([
        AppliedMigration(str(v), n, tuple(s) if s is not None else None) for v, n, s in rows
    ])


def _squash(text: str) -> str:
    return " ".join(text.replace(";", " ").split())


def _canonical(statement: str) -> str:
    """The statement as Postgres' parser sees it, printed back: layout and comments are gone,
    every name, constant and function body stays."""
    import postgast

    try:
        return postgast.deparse(postgast.parse(statement))
    except Exception:  # a statement libpg_query cannot print back: compare its words
        return " ".join(statement.split())


def normalised_statements(statements: Sequence[str]) -> list[str] | str:
    """Statements as libpg_query splits them, in canonical form, so our splitter and the CLI's
    (which keeps semicolons and the comments before each statement) agree. Text that does not
    parse is compared whitespace-insensitively as one string instead."""
    from toolkit.sql.split import (  # libpg_query: loaded when needed
        SqlSyntaxError,
        split_statements,
    )

    joined = "\n;\n".join(statements)
    try:
        return [_canonical(s.text) for s in split_statements(joined)]
    except SqlSyntaxError:
        return _squash(joined)


_BETWEEN = re.compile(r"[\s;]*")


def _unedited(stored: Sequence[str], local_text: str) -> bool:
    """The file is the applied statements, verbatim and in order, with only whitespace,
    semicolons and line comments between them (and a semicolon ending each one). True whichever
    splitter recorded them (ours keeps bare statements, the CLI keeps leading comments and
    semicolons), and it costs no parsing."""
    pos, ended = 0, True
    for stmt in stored:
        start, semicolon = _gap_end(local_text, pos, stmt)
        if not (ended or semicolon) or not local_text.startswith(stmt, start):
            return False  # edited, or two statements run together
        pos, ended = start + len(stmt), stmt.endswith(";")
    return _gap_end(local_text, pos)[0] == len(local_text)


def _gap_end(text: str, pos: int, then: str = "") -> tuple[int, bool]:
    """Past whitespace, semicolons and line comments (stopping early where `then` starts), and
    whether a semicolon was among them."""
    semicolon = False
    while True:
        gap = _BETWEEN.match(text, pos).group()  # type: ignore[union-attr]
        pos += len(gap)
        semicolon = semicolon or ";" in gap
        if (then and text.startswith(then, pos)) or not text.startswith("--", pos):
            return pos, semicolon
        end = text.find("\n", pos)
        pos = len(text) if end < 0 else end + 1


def _canonical_file(text: str) -> str | None:
    """The whole text printed back by libpg_query in one call, or None when it cannot be."""
    import postgast

    try:
        return postgast.deparse(postgast.parse(text))
    except Exception:
        return None


def first_difference(stored: Sequence[str], local_text: str) -> int | None:
    """None when equal; else the 0-based index of the first statement that differs."""
    if _unedited(stored, local_text):
        return None
    whole = _canonical_file("\n;\n".join(stored))
    if whole is not None and whole == _canonical_file(local_text):
        return None  # equal statement by statement too; the usual case, at a third of the cost
    a = normalised_statements(stored)
    b = normalised_statements([local_text])
    if isinstance(a, str) or isinstance(b, str):
        sa = a if isinstance(a, str) else _squash(";".join(a))
        sb = b if isinstance(b, str) else _squash(";".join(b))
        return None if sa == sb else 0
    if a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _statement_line(text: str, index: int) -> int:
    from toolkit.sql.split import SqlSyntaxError, split_statements

    try:
        stmts = split_statements(text)
    except SqlSyntaxError as e:
        return e.line
    return stmts[index].line if index < len(stmts) else (stmts[-1].end_line if stmts else 1)


def not_checked(where: Path) -> Finding:
    """The finding of a live audit with no migrations folder to compare the history with."""
    return DRIFT_NOT_CHECKED.finding(
        ObjectRef("table", "supabase_migrations", "schema_migrations"),
        f"migration drift was not checked: no supabase/ folder in {where} or any parent "
        "(the database itself was audited)")


def compare(history: History, files: Sequence[MigrationFile]) -> Drift:
    """Pure: findings for every difference between the recorded history and the local files."""
    drift = Drift()
    if history.applied is None:
        drift.findings.append(MIGRATION_HISTORY_UNAVAILABLE.finding(
            ObjectRef("table", "supabase_migrations", "schema_migrations"),
            f"migration drift was not checked: {history.reason}"))
        return drift
    applied = {m.version: m for m in history.applied}
    local = {mf.version: mf for mf in files}
    last_applied = max(applied, key=_version_key) if applied else None
    for mf in files:
        rec = applied.get(mf.version)
        if rec is None:
            drift.pending.append(mf)
            drift.findings.append(_pending(mf, last_applied))
        elif rec.statements is not None:
            edited = _edited(mf, rec)
            if edited is not None:
                drift.findings.append(edited)
    for rec in history.applied:
        if rec.version not in local:
            label = f"{rec.version}_{rec.name}" if rec.name else rec.version
            drift.findings.append(UNKNOWN_REMOTE_MIGRATION.finding(
                ObjectRef("migration", None, rec.version),
                f"the database applied migration {label}, which has no file in supabase/migrations/",
                remediation="Restore the file from history (or `supabase migration fetch`), or, if the "
                            f"migration was reverted by hand, `supabase migration repair --status reverted {rec.version}`.",
                evidence={"version": rec.version, "name": rec.name}))
    return drift


def _pending(mf: MigrationFile, last_applied: str | None) -> Finding:
    out_of_order = last_applied is not None and _version_key(mf.version) < _version_key(last_applied)
    message = f"{mf.rel} has not been applied to this database; the next deploy will run it"
    if out_of_order:
        message += (f" (it is older than the latest applied migration {last_applied}, so "
                    "`supabase db push` needs --include-all)")
    return PENDING_MIGRATION.finding(
        ObjectRef("migration", None, mf.version), message, location=Location(mf.rel, 1, 1),
        evidence={"version": mf.version, "file": mf.rel, "out_of_order": out_of_order})


def _edited(mf: MigrationFile, rec: AppliedMigration) -> Finding | None:
    assert rec.statements is not None
    text = mf.read()
    index = first_difference(rec.statements, text)
    if index is None:
        return None
    line = _statement_line(text, index)
    return EDITED_AFTER_APPLY.finding(
        ObjectRef("migration", None, mf.version),
        f"{mf.rel} was edited after this database applied it: statement {index + 1} "
        f"(line {line}) differs from what ran, so the edit will never reach this database",
        location=Location(mf.rel, 1, 1),
        evidence={"version": mf.version, "file": mf.rel, "statement": index + 1, "line": line,
                  "applied_statements": len(rec.statements)})


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), version) if version.isdigit() else (0, version)


__all__ = [
    "EDITED_AFTER_APPLY", "MIGRATION_HISTORY_UNAVAILABLE", "PENDING_MIGRATION",
    "UNKNOWN_REMOTE_MIGRATION", "AppliedMigration", "Drift", "History", "compare",
    "first_difference", "read_history",
]
