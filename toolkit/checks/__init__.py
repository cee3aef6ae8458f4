"""Checks over the migrations folder as a whole: names, versions, immutability, the lock file."""

from __future__ import annotations

from toolkit.model import Category, Level, Stage
from toolkit.registry import RuleInfo, register

DUPLICATE_MIGRATION_VERSION = register(RuleInfo(
    id="duplicate_migration_version", level=Level.ERROR, category=Category.HYGIENE,
    summary="Two migration files share a version; the second fails to record when applied.", stage=Stage.CHECK))
MIGRATION_VERSION_LENGTH = register(RuleInfo(
    id="migration_version_length", level=Level.WARN, category=Category.HYGIENE,
    summary="Migration versions of different lengths, which sort and compare unpredictably.", stage=Stage.CHECK))
STRAY_FILE_IN_MIGRATIONS = register(RuleInfo(
    id="stray_file_in_migrations", level=Level.WARN, category=Category.HYGIENE,
    summary="A file or sub-folder in supabase/migrations/ that is not a migration.", stage=Stage.CHECK))
SEED_IN_MIGRATIONS = register(RuleInfo(
    id="seed_in_migrations", level=Level.WARN, category=Category.HYGIENE,
    summary="A seed file inside supabase/migrations/, where it is never run as a seed.", stage=Stage.CHECK))
MIGRATION_EDITED = register(RuleInfo(
    id="migration_edited", level=Level.ERROR, category=Category.HYGIENE,
    summary="A migration that was already merged (or locked) has been changed.", stage=Stage.CHECK))
MIGRATION_RENAMED = register(RuleInfo(
    id="migration_renamed", level=Level.ERROR, category=Category.HYGIENE,
    summary="A migration that was already merged (or locked) has been renamed.", stage=Stage.CHECK))
MIGRATION_DELETED = register(RuleInfo(
    id="migration_deleted", level=Level.ERROR, category=Category.HYGIENE,
    summary="A migration that was already merged (or locked) has been deleted.", stage=Stage.CHECK))
MIGRATION_OUT_OF_ORDER = register(RuleInfo(
    id="migration_out_of_order", level=Level.ERROR, category=Category.HYGIENE,
    summary="A new migration sorts before one that was already merged (or locked).", stage=Stage.CHECK))
LOCK_MISMATCH = register(RuleInfo(
    id="lock_mismatch", level=Level.WARN, category=Category.HYGIENE,
    summary="supabase/migrations.lock does not match the migrations folder.", stage=Stage.CHECK))

__all__ = [
    "DUPLICATE_MIGRATION_VERSION", "LOCK_MISMATCH", "MIGRATION_DELETED", "MIGRATION_EDITED",
    "MIGRATION_OUT_OF_ORDER", "MIGRATION_RENAMED", "MIGRATION_VERSION_LENGTH",
    "SEED_IN_MIGRATIONS", "STRAY_FILE_IN_MIGRATIONS",
]
