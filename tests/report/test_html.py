"""The HTML report on hand-built reports: structure, escaping, source lines, budget. No database
and no browser here (tests/report/test_html_browser.py opens real reports in Chromium)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from toolkit.model import (
    Category,
    CoverageCell,
    Finding,
    Level,
    Location,
    ObjectRef,
    RunResult,
    Stage,
)
from toolkit.report import html, render

from .conftest import build_report, cells

NASTY_TABLE = "<script>alert('t')</script>"
NASTY_POLICY = '"><img src=x onerror=alert(1)>'
MIG = "supabase/migrations/20240101000000_init.sql"


class Page(HTMLParser):
    """The parts of the page the tests look at: heat map rows, element ids, resource loads."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, object]] = []
        self.ids: list[str] = []
        self.loads: list[tuple[str, str]] = []  # (tag, attribute) that would fetch something
        self.scripts = 0
        self._row: dict[str, object] | None = None
        self._cell: dict[str, str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        for attr in ("src", "srcset", "data", "poster", "background"):
            if attr in a:
                self.loads.append((tag, attr))
        if tag == "link" or (tag == "meta" and a.get("http-equiv", "").lower() == "refresh"):
            self.loads.append((tag, "href"))
        if tag == "script":
            self.scripts += 1
        if tag == "tr" and a.get("class") == "t":
            self._row = {"key": a["data-key"], "w": int(a["data-w"]), "cells": [], "mark": None, "name": ""}
            self.rows.append(self._row)
        elif self._row is not None and tag == "td":
            self._cell = {"class": a.get("class", ""), "title": a.get("title", ""), "text": ""}
            self._row["cells"].append(self._cell)  # type: ignore[attr-defined]
        elif self._row is not None and tag == "a" and "mark" in a.get("class", ""):
            self._row["mark"] = a["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        elif self._row is not None and not self._row["cells"] and not self._row["mark"]:
            self._row["name"] = str(self._row["name"]) + data


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_one_self_contained_file_that_fetches_nothing(report: RunResult) -> None:
    page = render(report, "html")
    parsed = Page(page)
    assert parsed.loads == []
    assert parsed.scripts == 1
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and csp.group(1).startswith("default-src 'none';")
    assert "'unsafe-inline'" not in csp.group(1)
    css, js, _ = html.assets()
    assert "url(" not in css and "@import" not in css
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "import(" not in js


def test_heat_map_has_a_row_per_table_coloured_by_state(report: RunResult) -> None:
    rows = {r["key"]: r for r in Page(render(report, "html")).rows}
    assert set(rows) == {"public.clean", "public.invoices", "public.notes"}
    invoices = rows["public.invoices"]["cells"]
    assert [c["class"] for c in invoices] == ["g"] * 4 + ["r", "p", "o", "d"]  # type: ignore[index]
    assert [c["text"] for c in invoices] == ["-"] * 4 + ["row", "pred", "OPEN", "deny"]  # type: ignore[index]
    assert {c["class"] for c in rows["public.notes"]["cells"]} == {"n"}  # type: ignore[attr-defined]
    order = sorted(rows.values(), key=lambda r: r["w"])  # type: ignore[arg-type, return-value]
    assert [r["key"] for r in order] == ["public.notes", "public.invoices", "public.clean"]


def test_rows_with_findings_link_to_their_group(report: RunResult) -> None:
    page = render(report, "html")
    parsed = Page(page)
    rows = {r["key"]: r for r in parsed.rows}
    assert rows["public.clean"]["mark"] is None
    anchor = str(rows["public.notes"]["mark"]).removeprefix("#")
    assert anchor in parsed.ids
    group = page[page.index(f'id="{anchor}"'):]
    assert group.index("public.notes") < group.index("rls_disabled") < group.index("</section>")


def test_cell_titles_name_policies_and_where_they_were_written() -> None:
    cov = [CoverageCell("public", "docs", "authenticated", "select", "row-scoped", ("owner reads", "admins"),
                       (Location(MIG, 7, 1), None)),
           CoverageCell("public", "docs", "anon", "select", "denied")]
    parsed = Page(render(RunResult(coverage=cov), "html"))
    by_text = {c["text"]: c for c in parsed.rows[0]["cells"]}  # type: ignore[attr-defined]
    assert by_text["row"]["title"] == "owner reads · 20240101000000_init.sql:7\nadmins"
    assert by_text["deny"]["title"] == ""


def test_findings_grouped_worst_first_with_fix(report: RunResult) -> None:
    findings = section(render(report, "html"), '<section id="findings">', '<section><details id="suppressed">')
    groups = re.findall(r'<h3><code>([^<]+)</code></h3>', findings)
    assert groups[0] == "public.notes"  # the only error
    inv = section(findings, "<code>public.invoices</code>", "</section>")
    assert inv.index("policy_always_true") < inv.index("unindexed_foreign_key")  # warn before info
    assert '<pre class="fix">Scope it: using (auth.uid() = user_id)</pre>' in inv
    assert "no_primary_key" not in findings  # suppressed


def test_user_strings_are_escaped_everywhere() -> None:
    cov = [CoverageCell("public", NASTY_TABLE, "anon", "select", "open", (NASTY_POLICY,),
                        (Location(MIG, 1, 1),))]
    f = Finding("policy_always_true", Level.ERROR, Category.SECURITY,
                ObjectRef("policy", "public", NASTY_POLICY, parent=f"public.{NASTY_TABLE}"),
                f"policy {NASTY_POLICY} on {NASTY_TABLE} is true", remediation=f"drop policy {NASTY_POLICY}",
                evidence={"requests": [{"caller": NASTY_TABLE, "role": "anon", "command": "select",
                                        "outcome": "allowed", "rows_seen": 1, "policies": [NASTY_POLICY],
                                        "sql": f"select * from {NASTY_TABLE}"}]})
    stale = Finding("unused_suppression", Level.INFO, Category.HYGIENE, ObjectRef("file", None, MIG),
                    f"ignore for {NASTY_TABLE} suppresses nothing", location=Location(MIG, 1, 1))
    info = {"project": "/nonexistent/<blink>", "failures": [f"{MIG}:1:1: {NASTY_TABLE}"],
            "stubbed_extensions": [NASTY_TABLE]}
    page = render(RunResult(findings=[f, stale], coverage=cov, info=info, incomplete=True), "html")
    assert "<script>alert" not in page and "<img" not in page and "<blink>" not in page
    assert page.count("<script>") == 1  # the report's own
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in page  # in attributes
    assert "&lt;script&gt;alert('t')&lt;/script&gt;" in page  # in text
    parsed = Page(page)
    assert parsed.loads == []
    assert parsed.rows[0]["name"] == NASTY_TABLE
    assert parsed.rows[0]["cells"][0]["title"] == f"{NASTY_POLICY} · 20240101000000_init.sql:1"  # type: ignore[index]


def test_source_lines_around_the_finding_are_read_and_escaped(tmp_path: Path) -> None:
    root = tmp_path / "project"
    lines = [f"-- line {n}" for n in range(1, 21)]
    lines[11] = "create policy \"<p>\" on public.t using (a < b and c > d);"
    (root / "supabase" / "migrations").mkdir(parents=True)
    (root / MIG).write_text("\n".join(lines) + "\n")
    (tmp_path / "secret.sql").write_text("top secret\n")
    f = Finding("r", Level.WARN, Category.SECURITY, ObjectRef("table", "public", "t"), "m",
                location=Location(MIG, 12, 5))
    outside = [Finding("r", Level.WARN, Category.SECURITY, ObjectRef("table", "public", "u"), "m",
                       location=Location(path, 1, 1))
               for path in ("../secret.sql", "supabase/../../secret.sql", str(tmp_path / "secret.sql"))]
    page = render(RunResult(findings=[f, *outside], info={"project": str(root / "supabase" / "..")}), "html")
    src = re.findall(r'<pre class="src">(.*?)</pre>', page, re.S)
    assert src[0].splitlines() == [
        "<i>10</i>-- line 10", "<i>11</i>-- line 11",
        "<mark><i>12</i>create policy \"&lt;p&gt;\" on public.t using (a &lt; b and c &gt; d);</mark>",
        "<i>13</i>-- line 13", "<i>14</i>-- line 14"]
    assert "top secret" not in page  # nothing outside the project folder is read
    assert len(src) == 1


def test_long_lines_are_cut_and_context_shrinks_to_fit(tmp_path: Path) -> None:
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / MIG).write_text("\n".join(["x" * 300] * 5) + "\n")
    f = Finding("r", Level.WARN, Category.SECURITY, ObjectRef("table", "public", "t"), "m",
                location=Location(MIG, 3, 1))
    src = re.findall(r'<pre class="src">(.*?)</pre>', render(RunResult(findings=[f],
                                                                          info={"project": str(tmp_path)}), "html"), re.S)
    shown = src[0].splitlines()
    assert len(shown) < 5 and any(line.startswith("<mark><i>3</i>") for line in shown)
    assert all(line.endswith(" …") or line.endswith(" …</mark>") for line in shown)
    assert all(len(line) < html.MAX_LINE + 40 for line in shown)


def test_a_huge_report_stays_under_the_page_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / MIG).write_text("\n".join(f"create table public.t{n} (id int); -- {'y' * 120}"
                                          for n in range(2000)) + "\n")
    fs = [Finding("r", Level.ERROR if n < 10 else Level.WARN, Category.SECURITY,
                  ObjectRef("table", "public", f"t{n}"), f"message {n}", location=Location(MIG, n + 1, 1))
          for n in range(2000)]
    report = RunResult(findings=fs, info={"project": str(tmp_path)})
    monkeypatch.setattr(html, "PAGE_BUDGET", 0)
    bare = len(render(report, "html").encode())  # everything but the source excerpts
    assert "Source lines are left out of the last 2000 findings" in render(report, "html")
    monkeypatch.setattr(html, "PAGE_BUDGET", bare + 100_000)
    page = render(report, "html")
    assert bare + 90_000 < len(page.encode()) <= bare + 100_000
    left = re.search(r"Source lines are left out of the last (\d+) findings", page)
    assert left and 0 < int(left.group(1)) < 2000
    assert all(f"message {n}<" in page for n in range(2000))  # every finding is still there
    first_error = page[page.index("message 0<"):]
    assert first_error.index('<pre class="src">') < first_error.index("message 1<")  # errors keep theirs


def test_suppressed_and_unused_suppressions_are_collapsed() -> None:
    rep = build_report()
    rep.findings.append(Finding("unused_suppression", Level.INFO, Category.HYGIENE,
                                ObjectRef("file", None, MIG), "supakit-ignore for rls_disabled suppresses nothing",
                                location=Location(MIG, 3, 1)))
    page = render(rep, "html")
    collapsed = section(page, '<details id="suppressed">', "</details>")
    assert "1 suppressed findings, 1 unused suppressions" in collapsed
    assert "no_primary_key" in collapsed and "suppressed: inline" in collapsed
    assert "supakit-ignore for rls_disabled suppresses nothing" in collapsed
    findings = section(page, '<section id="findings">', '<section><details id="suppressed">')
    assert "unused_suppression" not in findings
    assert '<span class="badge lvl-info">2 info</span>' in page  # still counted


def test_rules_are_embedded_with_their_summary_and_page(report: RunResult) -> None:
    page = render(report, "html")
    rules = page[page.index('<section id="rules">'):]
    assert '<details class="rule" id="rule-rls_disabled">' in rules
    assert "An API role can reach the table through the Data API and row level security is off." in rules
    assert "<h2>How to fix</h2>" in rules  # the page itself, as HTML
    assert 'href="#rule-rls_disabled"' in page


def test_header_facts(report: RunResult, tmp_path: Path) -> None:
    report.info.update(project=str(tmp_path), probe={"tables_probed": 3, "tables_exposed": 4})
    page = render(report, "html")
    header = section(page, '<header class="top">', "</header>")
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", header))
    assert facts["project"] == f"{tmp_path.name} ({tmp_path})"
    assert "commit" not in facts  # not a git checkout
    assert facts["engine"] == "local" and facts["exposure"].startswith("legacy")
    assert facts["tables audited"] == "3" and facts["migrations applied"] == "2"
    assert facts["probe coverage"] == "probed 3 of 4 tables"
    assert facts["duration"].startswith("0.61s")
    assert '<span class="badge lvl-error">1 error</span>' in header
    assert '<span class="badge lvl-muted">1 suppressed</span>' in header
    assert "<title>supakit audit: 1 error, 2 warnings, 1 info, 1 suppressed</title>" in page


def test_commit_of_a_git_checkout(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.sql").write_text("select 1;\n")
    git("add", "a.sql")
    git("commit", "-qm", "one")
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=tmp_path, capture_output=True,
                          text=True).stdout.strip()
    assert html.run_facts(RunResult(info={"project": str(tmp_path)})).commit == head
    (tmp_path / "a.sql").write_text("select 2;\n")
    assert html.run_facts(RunResult(info={"project": str(tmp_path)})).commit == f"{head} + changes"


def test_lint_and_probe_reports_have_no_heat_map() -> None:
    page = render(RunResult(findings=build_report().findings[:1], stages=(Stage.LINT, Stage.CHECK)), "html")
    assert '<section id="coverage">' not in page and "<title>supakit lint:" in page
    assert 'href="#coverage"' not in page
    assert "<title>supakit probe:" in render(RunResult(stages=(Stage.PROBE,)), "html")


def test_incomplete_database_banner() -> None:
    rep = RunResult(coverage=cells("t", ("denied",) * 4, ("denied",) * 4), incomplete=True,
                    info={"failures": [f"{MIG}:4:1: relation \"x\" does not exist"]})
    banner = section(render(rep, "html"), '<div class="banner">', "</div>")
    assert "The database is incomplete" in banner
    assert f"<code>{MIG}:4:1: relation \"x\" does not exist</code>" in banner


def test_empty_report_is_a_complete_page() -> None:
    page = render(RunResult(), "html")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<p>No findings.</p>" in page and "no errors or warnings" in page
