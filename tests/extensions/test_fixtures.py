"""Fixture projects imitating real Supabase apps apply without --keep-going and audit sensibly."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.model import Level
from toolkit.pipeline import AuditOptions, audit, start_and_apply
from toolkit.project import find_project

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

EXPECTED = {
    "ai_chat": (["vector"], 4),
    "webhooks": (["pg_net"], 2),
    "vault_secrets": (["supabase_vault"], 2),
    "stripe_wrappers": (["wrappers", "supabase_vault"], 2),
    "cron_jobs": (["pg_cron"], 2),
    "new_user_trigger": ([], 2),
    "event_trigger": ([], 2),
    "vault_seed": ([], 1),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_applies_cleanly(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    project = find_project(FIXTURES / name)
    db, result = start_and_apply(project, AuditOptions(engine="local", keep_going=False), lambda _m: None)
    with db:
        stubbed, files = EXPECTED[name]
        assert result.complete and len(result.applied) == files
        assert result.stubbed_extensions == stubbed


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_audits_without_findings_about_its_platform_pieces(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    project = find_project(FIXTURES / name)
    report = audit(project, AuditOptions(engine="local"), lambda _m: None)
    assert report.incomplete is False
    assert report.info["stubbed_extensions"] == EXPECTED[name][0]
    assert [f for f in report.findings if f.level is Level.ERROR] == []
    assert [f for f in report.findings if f.object.schema in ("extensions", "net", "vault", "cron", "stripe")] == []
    assert report.coverage, "every fixture exposes at least one table"


def test_ai_chat_keeps_its_vector_indexes(engine) -> None:  # type: ignore[no-untyped-def]
    project = find_project(FIXTURES / "ai_chat")
    db, _ = start_and_apply(project, AuditOptions(engine="local"), lambda _m: None)
    with db, db.connect() as conn:
        rows = conn.execute("select c.relname, am.amname from pg_class c join pg_am am on am.oid = c.relam "
                            "where c.relname like '%embedding%' order by 1").fetchall()
    assert rows == [("document_sections_embedding_idx", "hnsw"), ("messages_embedding_half_idx", "hnsw"),
                    ("messages_embedding_ivf_idx", "ivfflat")]


def test_stripe_wrappers_notes_the_skipped_import(engine) -> None:  # type: ignore[no-untyped-def]
    project = find_project(FIXTURES / "stripe_wrappers")
    db, result = start_and_apply(project, AuditOptions(engine="local"), lambda _m: None)
    db.close()
    assert result.skipped_statements == [
        "supabase/migrations/20240612100000_stripe_wrapper.sql:45:1: skipped import foreign schema stripe "
        "from server stripe_server (the wrapper is a stub and cannot list remote tables)"]


def test_stripe_wrapper_belongs_to_postgres(engine) -> None:  # type: ignore[no-untyped-def]
    """supautils hands the wrapper to postgres, so postgres may comment on it and map its users."""
    db, result = start_and_apply(find_project(FIXTURES / "stripe_wrappers"), AuditOptions(engine="local"),
                                 lambda _m: None)
    with db, db.connect() as conn:
        owners = conn.execute("select w.fdwowner::regrole::text, s.srvowner::regrole::text, "
                              "obj_description(w.oid, 'pg_foreign_data_wrapper') from pg_foreign_data_wrapper w "
                              "join pg_foreign_server s on s.srvfdw = w.oid where w.fdwname = 'stripe_wrapper'").fetchone()
        mapped = conn.execute("select count(*) from pg_user_mappings where srvname = 'stripe_server'").fetchone()
    assert owners == ("postgres", "postgres", "Stripe, through Supabase Wrappers") and mapped == (1,)


def test_event_trigger_enables_rls_on_later_tables(engine) -> None:  # type: ignore[no-untyped-def]
    db, _ = start_and_apply(find_project(FIXTURES / "event_trigger"), AuditOptions(engine="local"), lambda _m: None)
    with db, db.connect() as conn:
        row = conn.execute("select relrowsecurity, (select evtowner::regrole::text from pg_event_trigger "
                           "where evtname = 'ensure_rls') from pg_class where oid = 'public.projects'::regclass"
                           ).fetchone()
    assert row == (True, "postgres")


def test_seed_calls_vault_without_creating_it(engine) -> None:  # type: ignore[no-untyped-def]
    db, result = start_and_apply(find_project(FIXTURES / "vault_seed"), AuditOptions(engine="local"), lambda _m: None)
    with db, db.connect() as conn:
        secret = conn.execute("select private.webhook_secret()").fetchone()
    assert result.seed_applied and secret == ("whsec_local_development_only",)
