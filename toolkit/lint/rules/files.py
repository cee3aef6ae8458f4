"""File-level rules: the strict file-name profile, files with nothing to run, unparsable files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from toolkit.lint.source import LintContext, ParsedFile, file_ref
from toolkit.migrations import CLI_PATTERN
from toolkit.model import Category, Cause, Finding, Level, Location
from toolkit.naming import snake_case
from toolkit.registry import RuleInfo, Stage, register, rule

STRICT_NAME = re.compile(r"^(\d{14})_([a-z0-9_]+)\.sql$")

MIGRATION_FILE_NAME = RuleInfo(
    id="migration_file_name", level=Level.WARN, category=Category.HYGIENE,
    summary="Migration file name is not <14-digit UTC timestamp>_<snake_case>.sql.", stage=Stage.LINT)
MIGRATION_EMPTY = RuleInfo(
    id="migration_empty", level=Level.WARN, category=Category.HYGIENE,
    summary="Migration file has no statements; once applied, later edits to it never run.", stage=Stage.LINT,
    fix="Write the migration before it is applied anywhere, or delete the file.")
SQL_SYNTAX_ERROR = RuleInfo(
    id="sql_syntax_error", level=Level.ERROR, category=Category.HYGIENE,
    summary="Postgres' parser rejects the file; it cannot apply.", stage=Stage.LINT,
    fix="Fix the SQL at this position; other statement rules were skipped for this file.")
# Reported by the linter itself when it cannot decode a file.
MIGRATION_NOT_UTF8 = register(RuleInfo(
    id="migration_not_utf8", level=Level.ERROR, category=Category.HYGIENE,
    summary="Migration file is not valid UTF-8 and cannot be read.", stage=Stage.LINT,
    fix="Save the file as UTF-8."))


def _suggested_name(name: str) -> str | None:
    m = CLI_PATTERN.match(name)
    stem = m.group(2) if m else name.removesuffix(".sql")
    version = m.group(1) if m and len(m.group(1)) == 14 else None
    slug = snake_case(stem)
    return f"{version}_{slug}.sql" if version and slug else None


def _valid_timestamp(version: str) -> bool:
    try:
        dt.datetime.strptime(version, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


@rule(MIGRATION_FILE_NAME)
def check_file_name(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    name = pf.name
    m = STRICT_NAME.match(name)
    if m and _valid_timestamp(m.group(1)):
        return
    skipped = not CLI_PATTERN.match(name)
    if m:
        why = f"version {m.group(1)} is not a real UTC date and time (YYYYMMDDHHMMSS)"
    elif skipped:
        why = "the Supabase CLI skips it: the name must match <digits>_<name>.sql"
    elif len(CLI_PATTERN.match(name).group(1)) != 14:  # type: ignore[union-attr]
        why = "the version is not 14 digits (YYYYMMDDHHMMSS), so it sorts unpredictably against others"
    else:
        why = "the part after the version is not snake_case"
    suggestion = _suggested_name(name)
    fix = f"Rename it to {suggestion}." if suggestion and suggestion != name else (
        "Rename it to <YYYYMMDDHHMMSS>_<snake_case_name>.sql (supakit new NAME picks a correct one).")
    yield MIGRATION_FILE_NAME.finding(
        file_ref(pf),
        f"{name}: {why}",
        location=Location(pf.rel, 1, 1),
        remediation=fix + " Rename only files that were never applied anywhere.",
        cause=Cause.SKIPPED_BY_CLI if skipped else None,
    )


@rule(MIGRATION_EMPTY)
def check_empty(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    if pf.syntax_error is None and not pf.statements:
        what = "is empty" if not pf.text.strip() else "holds only comments"
        yield MIGRATION_EMPTY.finding(
            file_ref(pf),
            f"{pf.name} {what}: it would be recorded as applied, and SQL added later never runs",
            location=Location(pf.rel, 1, 1),
        )


@rule(SQL_SYNTAX_ERROR)
def check_syntax(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    err = pf.syntax_error
    if err is not None:
        said = err.message if err.message.startswith("syntax error") else f"syntax error: {err.message}"
        yield SQL_SYNTAX_ERROR.finding(file_ref(pf), said, location=Location(pf.rel, err.line, err.column),
                                       cause=Cause.SYNTAX_ERROR)
