from __future__ import annotations

import re

import pytest

from toolkit.model import Category, Finding, Level, Location, ObjectRef, RunResult
from toolkit.report import markdown, render


def table_rows(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_marker_title_and_summary(report: RunResult) -> None:
    md = render(report, "markdown")
    lines = md.splitlines()
    assert lines[0] == "<!-- supakit-report -->"
    assert lines[1] == "### ❌ supakit: 1 error, 2 warnings, 1 info, 1 suppressed"
    report.info["command"] = "audit"
    assert render(report, "markdown").splitlines()[1].startswith("### ❌ supakit audit: 1 error")
    assert "3 tables audited" in md and "1 suppressed (inline 1)" in md


def test_coverage_matrix_is_a_table_with_nine_columns(report: RunResult) -> None:
    md = render(report, "markdown")
    rows = table_rows(md, next(x for x in md.splitlines() if x.startswith("| table |")))
    assert len(rows) == 2 + 3
    assert all(len(cells(r)) == 9 for r in rows)
    notes = next(r for r in rows if "public.notes" in r)
    assert cells(notes)[1:] == ["**NORLS**"] * 8
    invoices = next(r for r in rows if "public.invoices" in r)
    assert cells(invoices)[5:] == ["row", "pred", "**OPEN**", "deny"]


def test_pipes_and_html_in_messages_are_escaped(report: RunResult) -> None:
    md = render(report, "markdown")
    rows = table_rows(md, "| level | rule | location | message |")
    assert all(len(cells(r)) == 4 for r in rows)
    row = next(r for r in rows if "policy_always_true" in r)
    assert "policy uses (true) \\| for UPDATE, 100% open: &lt;everyone&gt;" in row


def test_rules_link_only_to_a_configured_docs_url(report: RunResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPAKIT_DOCS_URL", raising=False)
    row = next(r for r in table_rows(render(report, "markdown"), "| level | rule | location | message |")
               if "policy_always_true" in r)
    assert "](" not in row and "`supakit rules policy_always_true`" in row
    monkeypatch.setenv("SUPAKIT_DOCS_URL", "https://x.test/supakit/blob/main")
    row = next(r for r in table_rows(render(report, "markdown"), "| level | rule | location | message |")
               if "policy_always_true" in r)
    assert "[`policy_always_true`](https://x.test/supakit/blob/main/docs/rules/policy_always_true.md)" in row


def test_info_findings_are_collapsed(report: RunResult) -> None:
    md = render(report, "markdown")
    details = md[md.index("<details>"):md.index("</details>")]
    assert "<summary>1 info finding</summary>" in details
    assert "unindexed_foreign_key" in details
    assert "unindexed_foreign_key" not in md[:md.index("<details>")]


def test_long_reports_stay_under_the_comment_limit() -> None:
    fs = [Finding("r", Level.ERROR, Category.SECURITY, ObjectRef("table", "public", f"t{i}"), "x" * 400,
                  location=Location("a.sql", i + 1, 1)) for i in range(400)]
    md = render(RunResult(findings=fs), "markdown")
    assert len(md) < 65_536
    assert re.search(r"_\d+ more not shown", md)


def test_clean_report_says_so() -> None:
    md = render(RunResult(), "markdown")
    assert "✅" in md and "No findings." in md


def test_cell_escaping() -> None:
    assert markdown.cell("a|b\nc<d>&") == "a\\|b<br>c&lt;d&gt;&amp;"
    assert markdown.code("x`y|z") == "`` x`y\\|z ``"


def test_suppressions_counted_by_kind(report: RunResult) -> None:
    report.findings[0].suppressed_by = "inline ignore at a.sql:3: reason"
    report.findings[1].suppressed_by = "baseline"
    assert "3 suppressed (baseline 1, inline 2)" in render(report, "markdown")


def test_huge_matrix_keeps_alarming_tables_within_the_limit() -> None:
    from toolkit.model import CoverageCell

    cov = [CoverageCell("public", f"quiet_{i:04d}", role, cmd, "denied")
           for i in range(3000) for role in ("anon", "authenticated")
           for cmd in ("select", "insert", "update", "delete")]
    cov += [CoverageCell("public", "zz_leaky", "anon", "select", "open")]
    fs = [Finding("r", Level.ERROR, Category.SECURITY, ObjectRef("table", "public", "zz_leaky"), "leak",
                  location=Location("a.sql", 1, 1))]
    md = render(RunResult(findings=fs, coverage=cov), "markdown")
    assert len(md) < 65_536
    assert "`public.zz_leaky` | **OPEN**" in md
    assert re.search(r"_\d+ more tables not shown", md)
    assert "| error | `r`" in md
