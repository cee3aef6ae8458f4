from __future__ import annotations

from toolkit.model import Category, Finding, Level, ObjectRef, RunResult
from toolkit.report import render


def test_matrix_comes_first_with_a_row_per_table(report: RunResult) -> None:
    out = render(report, "text")
    assert out.index("RLS coverage") < out.index("rls_disabled")
    row = next(line for line in out.splitlines() if line.startswith("public.invoices"))
    assert row.split() == ["public.invoices", "-", "-", "-", "-", "row", "pred", "OPEN", "deny"]
    notes = next(line for line in out.splitlines() if line.startswith("public.notes"))
    assert notes.split()[1:] == ["NORLS"] * 8
    assert "anon S" in out and "auth S" in out


def test_findings_grouped_under_their_table_worst_first_with_location_and_fix(report: RunResult) -> None:
    lines = render(report, "text").splitlines()
    i = lines.index("public.invoices")
    assert lines[i + 1].split()[:3] == ["warn", "policy_always_true",
                                        "supabase/migrations/20240102000000_inv.sql:7:3"]
    assert lines[i + 2].strip() == "fix: Scope it: using (auth.uid() = user_id)"
    assert lines[i + 3].split()[:3] == ["info", "unindexed_foreign_key",
                                        "supabase/migrations/20240102000000_inv.sql:1:1"]


def test_summary_line_counts_levels_and_suppressed(report: RunResult) -> None:
    last = render(report, "text").rstrip().splitlines()[-1]
    assert last.startswith("1 error, 2 warnings, 1 info, 1 suppressed · 3 tables audited")
    assert "engine local" in last and "exposure legacy" in last and "0.61s" in last


def test_suppressed_findings_are_not_listed(report: RunResult) -> None:
    assert "no_primary_key" not in render(report, "text")


def test_incomplete_banner_lists_failures() -> None:
    rep = RunResult(incomplete=True,
                    info={"failures": ["supabase/migrations/1_a.sql:4:1: relation \"x\" does not exist"]})
    out = render(rep, "text")
    assert out.startswith("DATABASE INCOMPLETE: migrations failed to apply")
    assert "failed: supabase/migrations/1_a.sql:4:1" in out
    assert "incomplete: fix the failed migrations" in out


def test_a_run_that_stopped_says_why() -> None:
    out = render(RunResult(incomplete=True, error="cannot start PostgreSQL: no binaries"), "text")
    assert out.startswith("RUN STOPPED EARLY")
    assert "stopped: cannot start PostgreSQL: no binaries" in out
    assert "incomplete: fix the error above" in out


def test_color_only_when_asked(report: RunResult) -> None:
    assert "\x1b[" not in render(report, "text")
    assert "\x1b[" in render(report, "text", color=True)


def test_brackets_in_messages_are_not_markup() -> None:
    f = Finding("r", Level.ERROR, Category.SECURITY, ObjectRef("table", "public", "t"),
                "array [bold]x[/bold] and [red]")
    assert "array [bold]x[/bold] and [red]" in render(RunResult(findings=[f]), "text")


def test_no_findings() -> None:
    out = render(RunResult(), "text")
    assert "No findings." in out and "0 errors, 0 warnings, 0 info" in out
    assert "tables audited" not in out  # a lint-only report audits no tables


def test_multiline_fix_stays_indented() -> None:
    f = Finding("r", Level.ERROR, Category.SECURITY, ObjectRef("table", "public", "t"), "m",
                remediation="alter table t enable row level security;\n-- then add policies")
    lines = render(RunResult(findings=[f]), "text").splitlines()
    i = next(n for n, line in enumerate(lines) if "fix: alter table" in line)
    assert lines[i + 1] == "           -- then add policies"


def test_probe_coverage_is_in_the_summary_line() -> None:
    report = RunResult(info={"engine": "local", "probe": {"tables_exposed": 30, "tables_probed": 28,
                                                             "buckets_probed": 1}})
    assert "probed 28 of 30 tables, 1 bucket" in render(report, "text")
    report.info["probe"].update(functions_exposed=12, functions_probed=11)
    assert "probed 28 of 30 tables, 11 of 12 functions, 1 bucket" in render(report, "text")
    assert "probed" not in render(RunResult(info={"probe": {"disabled": True}}), "text")
    assert "probed 28 of 30 tables" in render(report, "markdown")
