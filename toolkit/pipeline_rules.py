"""Rules the apply stage reports: files the Supabase CLI would skip, migrations that failed to
apply (with --keep-going), and statements a hosted project refuses in its platform schemas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from toolkit.migrations import LEGACY_INIT, Discovery
from toolkit.model import Category, Cause, Finding, Level, Location, ObjectRef, Stage
from toolkit.registry import RuleInfo, register

if TYPE_CHECKING:
    from toolkit.apply import ApplyFailure, ApplyResult

MIGRATION_FILE_SKIPPED = register(RuleInfo(
    id="migration_file_skipped", level=Level.ERROR, category=Category.HYGIENE, stage=Stage.APPLY,
    summary="A .sql file in supabase/migrations/ that the Supabase CLI would silently skip.",
    fix="Rename it to <YYYYMMDDHHMMSS>_<snake_case_name>.sql (only if it was never applied "
        "anywhere), or move it out of supabase/migrations/. If it is meant to be skipped, say why: "
        "`-- supakit-ignore-file: migration_file_skipped -- <reason>` in the file."))
MIGRATION_FAILED = register(RuleInfo(
    id="migration_failed", level=Level.ERROR, category=Category.HYGIENE, stage=Stage.APPLY,
    summary="A migration statement failed to apply (with --keep-going); the audit is incomplete.",
    fix="Fix the statement; everything after it in this file was not applied, so the audit is "
        "incomplete."))
PLATFORM_SCHEMA_MODIFIED = register(RuleInfo(
    id="platform_schema_modified", level=Level.ERROR, category=Category.HYGIENE, stage=Stage.APPLY,
    summary="A migration changes the auth, storage or realtime schema, which hosted Supabase has refused since "
            "2025-04-21 (new projects and branches stop there)."))


def skipped_file(rel: str, why: str) -> Finding:
    """An error: the developer's SQL silently never ships. The CLI's own skip of a legacy init
    migration is deliberate, so only a warning."""
    legacy = LEGACY_INIT.match(rel.rsplit("/", 1)[-1]) is not None
    return MIGRATION_FILE_SKIPPED.finding(ObjectRef("file", None, rel), f"{rel}: {why}",
                                          location=Location(rel, 1, 1), level=Level.WARN if legacy else None,
                                          cause=Cause.SKIPPED_BY_CLI)


def skipped_files(disc: Discovery) -> list[Finding]:
    return [skipped_file(rel, why) for rel, why in disc.skipped]


def failed_migration(failure: ApplyFailure) -> Finding:
    return MIGRATION_FAILED.finding(ObjectRef("file", None, failure.file),
                                    f"migration did not apply: {failure.message}",
                                    location=failure.location,
                                    cause=Cause.SYNTAX_ERROR if failure.sqlstate == "42601" else None)


def platform_findings(result: ApplyResult) -> list[Finding]:
    """One per statement a hosted project refuses in auth/storage/realtime (privileges.py)."""
    out = []
    for change in result.platform_changes:
        t = change.target
        out.append(PLATFORM_SCHEMA_MODIFIED.finding(
            ObjectRef("table" if t.kind in ("index", "policy", "trigger") else t.kind, t.schema, t.name),
            change.message, location=change.location, remediation=change.remediation,
            level=Level.WARN if change.action == "no_effect" else None,
            evidence={"operation": t.op, "supakit": change.action, "owner": change.owner}))
    return out
