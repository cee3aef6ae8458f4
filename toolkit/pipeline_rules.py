"""Rules the pipeline itself reports: files the CLI would skip and migrations that failed to apply."""

from __future__ import annotations

from toolkit.model import Category, Level
from toolkit.registry import RuleInfo, register

MIGRATION_FILE_SKIPPED = register(RuleInfo(
    id="migration_file_skipped", level=Level.WARN, category=Category.HYGIENE,
    summary="A file in supabase/migrations/ that the Supabase CLI would silently skip.", stage="apply"))
MIGRATION_FAILED = register(RuleInfo(
    id="migration_failed", level=Level.ERROR, category=Category.HYGIENE,
    summary="A migration statement failed to apply (with --keep-going); the audit is incomplete.", stage="apply"))
