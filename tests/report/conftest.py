"""A hand-built RunResult that exercises every renderer branch; no database needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.model import Category, CoverageCell, Finding, Level, Location, ObjectRef, RunResult

COMMANDS = ("select", "insert", "update", "delete")


def cells(table: str, anon: tuple[str, ...], auth: tuple[str, ...]) -> list[CoverageCell]:
    out = []
    for role, statuses in (("anon", anon), ("authenticated", auth)):
        for cmd, status in zip(COMMANDS, statuses, strict=True):
            out.append(CoverageCell("public", table, role, cmd, status))
    return out


def build_report() -> RunResult:
    inv = ObjectRef("table", "public", "invoices")
    notes = ObjectRef("table", "public", "notes")
    findings = [
        Finding("rls_disabled", Level.ERROR, Category.SECURITY, notes,
                "table public.notes is exposed to anon without RLS",
                remediation="alter table public.notes enable row level security;",
                location=Location("supabase/migrations/20240101000000_init.sql", 12, 1),
                evidence={"roles": {"anon", "authenticated"}, "path": Path("x/y")}),
        Finding("policy_always_true", Level.WARN, Category.SECURITY,
                ObjectRef("policy", "public", "anyone can update", parent="public.invoices"),
                "policy uses (true) | for UPDATE, 100% open: <everyone>",
                remediation="Scope it: using (auth.uid() = user_id)",
                location=Location("supabase/migrations/20240102000000_inv.sql", 7, 3)),
        Finding("unindexed_foreign_key", Level.INFO, Category.PERFORMANCE, inv,
                "foreign key invoices_user_id_fkey has no index",
                location=Location("supabase/migrations/20240102000000_inv.sql", 1, 1)),
        Finding("function_search_path_mutable", Level.WARN, Category.SECURITY,
                ObjectRef("function", "public", "f(uuid)"), "function has a mutable search_path"),
        Finding("no_primary_key", Level.WARN, Category.PERFORMANCE, notes, "table has no primary key",
                location=Location("supabase/migrations/20240101000000_init.sql", 12, 1),
                suppressed_by="inline"),
    ]
    coverage = (
        cells("invoices", ("no grant", "no grant", "no grant", "no grant"),
              ("row-scoped", "predicate", "open", "denied"))
        + cells("notes", ("no RLS",) * 4, ("no RLS",) * 4)
        + cells("clean", ("denied",) * 4, ("row-scoped",) * 4)
    )
    info = {"engine": "local", "exposure": "legacy", "applied": 2, "statements": 14, "failures": []}
    return RunResult(findings=findings, coverage=coverage, info=info, timings={"engine": 0.21, "apply": 0.4})


@pytest.fixture
def report() -> RunResult:
    return build_report()
