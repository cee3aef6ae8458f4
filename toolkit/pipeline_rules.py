"""Rules the pipeline itself reports: files the CLI would skip, migrations that failed to apply, and
statements a hosted project refuses in its platform schemas."""

from __future__ import annotations

from toolkit.model import Category, Level
from toolkit.registry import RuleInfo, register

MIGRATION_FILE_SKIPPED = register(RuleInfo(
    id="migration_file_skipped", level=Level.WARN, category=Category.HYGIENE,
    summary="A file in supabase/migrations/ that the Supabase CLI would silently skip.", stage="apply"))
MIGRATION_FAILED = register(RuleInfo(
    id="migration_failed", level=Level.ERROR, category=Category.HYGIENE,
    summary="A migration statement failed to apply (with --keep-going); the audit is incomplete.", stage="apply"))
PLATFORM_SCHEMA_MODIFIED = register(RuleInfo(
    id="platform_schema_modified", level=Level.ERROR, category=Category.HYGIENE,
    summary="A migration changes the auth, storage or realtime schema, which hosted Supabase has refused since "
            "2025-04-21 (new projects and branches stop there).", stage="apply"))
