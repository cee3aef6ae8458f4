"""The HTML report in a real browser: the system Chromium opens reports written by `supakit
audit --format html` for the example project and for a fixture with findings (and a table and a
policy whose names are markup). Skipped, with the reason, where Chromium or Playwright is absent."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import browser
from toolkit.report.heatmap import STATES

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "tests" / "fixtures" / "report_demo"
NASTY_TABLE = "<script>alert('table')</script>"
NASTY_POLICY = "<img src=x onerror=alert('policy')>"
NASTY_SQL = f"""
create table public."{NASTY_TABLE}" (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id)
);
create index on public."{NASTY_TABLE}" (user_id);
alter table public."{NASTY_TABLE}" enable row level security;
create policy "{NASTY_POLICY}" on public."{NASTY_TABLE}" for select to anon, authenticated using (true);
"""

pytestmark = pytest.mark.skipif(browser.unavailable() is not None, reason=str(browser.unavailable()))


@dataclass
class Audited:
    root: Path
    html: Path
    doc: dict[str, Any]  # the JSON report of the same project, without the probe


def audit(root: Path, out: Path) -> Audited:
    """`supakit audit --format html -o FILE`, and the expected matrix and findings from an
    in-process audit of the same project (the matrix does not depend on the probe)."""
    from toolkit.pipeline import AuditOptions
    from toolkit.pipeline import audit as run_audit
    from toolkit.project import find_project
    from toolkit.report import render
    from toolkit.suppress import apply_suppressions

    html = out / f"{root.name}.html"
    proc = subprocess.run([sys.executable, "-m", "toolkit", "audit", "--project-dir", str(root), "--format", "html",
                           "-o", str(html), "--fail-on", "never"], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    project = find_project(root)
    expected = run_audit(project, AuditOptions(probe=False), lambda _e: None)
    apply_suppressions(expected, project, baseline=None)
    return Audited(root, html, json.loads(render(expected, "json")))


@pytest.fixture(scope="module")
def reports(engine: object, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Audited]:
    out = tmp_path_factory.mktemp("html-reports")
    demo = out / "demo"
    shutil.copytree(DEMO, demo)
    (demo / "supabase" / "migrations" / "20240604000000_markup_names.sql").write_text(NASTY_SQL)
    return {"example": audit(REPO, out), "demo": audit(demo, out)}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser.chromium() as b:
        yield b


@dataclass
class Opened:
    page: Any
    requests: list[str]
    problems: list[str]  # console errors (a CSP violation shows here), page errors, dialogs


@pytest.fixture
def open_report(chromium: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def _open(report: Audited, *, js: bool = True) -> Opened:
        context = chromium.new_context(java_script_enabled=js, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, [], [])
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("console", lambda m: opened.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.problems.append(str(e)))
        page.on("dialog", lambda d: (opened.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.route("**/*", lambda route: route.continue_() if route.request.url == report.html.as_uri()
                   else route.abort())
        page.goto(report.html.as_uri())
        return opened

    yield _open
    for c in contexts:
        c.close()


def heat_rows(page: Any) -> dict[str, list[str]]:
    """schema.table → the CSS class of each cell, for the rows currently shown."""
    return page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('#heat tr.t')].filter(tr => tr.offsetParent !== null)
          .map(tr => [tr.dataset.key, [...tr.querySelectorAll('td')].map(td => td.className)]))""")


def expected_rows(doc: dict[str, Any]) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for c in doc["coverage"]:  # sorted: schema, table, anon then authenticated, S I U D
        rows.setdefault(f"{c['schema']}.{c['table']}", []).append(STATES[c["status"]][0])
    return rows


@pytest.mark.parametrize("name", ["example", "demo"])
def test_heat_map_has_one_row_per_exposed_table_with_the_audits_states(
        name: str, reports: dict[str, Audited], open_report: Any, tmp_path: Path) -> None:
    report = reports[name]
    opened = open_report(report)
    rows = heat_rows(opened.page)
    assert len(rows) == report.doc["summary"]["tables"] == report.doc["info"]["exposed_tables"] > 0
    assert rows == expected_rows(report.doc)
    assert opened.page.locator("#heat-controls").is_visible()  # our script ran: the CSP hash matches
    opened.page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert opened.problems == []
    assert opened.requests == [report.html.as_uri()]  # nothing but the file itself


def test_filter_and_sort(reports: dict[str, Audited], open_report: Any) -> None:
    from playwright.sync_api import expect

    opened = open_report(reports["demo"])
    page = opened.page
    everything = heat_rows(page)
    page.fill("#heat-filter", "note")
    expect(page.locator("#heat-shown")).to_have_text(f"1 of {len(everything)} tables")
    assert list(heat_rows(page)) == ["public.notes"]
    page.fill("#heat-filter", "")
    expect(page.locator("#heat-shown")).to_have_text(f"{len(everything)} tables")
    page.check("#heat-findings")
    with_findings = heat_rows(page)
    assert "public.notes" in with_findings and "public.orgs" not in with_findings
    page.uncheck("#heat-findings")
    page.select_option("#heat-sort", "worst")
    first = page.evaluate("document.querySelector('#heat tr.t').dataset.key")
    assert first == "public.notes"  # RLS off: every cell is the worst there is
    page.select_option("#heat-sort", "name")
    assert list(heat_rows(page)) == sorted(everything)
    assert opened.problems == [] and opened.requests == [reports["demo"].html.as_uri()]


def test_a_finding_shows_its_source_lines(reports: dict[str, Audited], open_report: Any) -> None:
    report = reports["demo"]
    finding = next(f for f in report.doc["findings"] if f["rule"] == "rls_disabled")
    loc = finding["location"]
    line = (report.root / loc["file"]).read_text().splitlines()[loc["line"] - 1]
    opened = open_report(report)
    article = opened.page.locator("article.f", has_text=f"{loc['file']}:{loc['line']}:{loc['column']}").filter(
        has_text="rls_disabled")
    assert article.count() == 1
    source = article.locator("pre.src")
    assert source.is_visible()
    assert source.locator("mark").inner_text().endswith(line)
    assert article.locator("pre.fix").inner_text() == finding["remediation"].strip()
    opened.page.click(f"article.f:has-text('{loc['file']}:{loc['line']}') >> a[href='#rule-rls_disabled']")
    assert opened.page.locator("#rule-rls_disabled h2", has_text="How to fix").is_visible()


def test_markup_in_names_is_text(reports: dict[str, Audited], open_report: Any) -> None:
    opened = open_report(reports["demo"])
    page = opened.page
    row = page.locator("#heat tr.t", has=page.locator("th", has_text=NASTY_TABLE))
    assert row.count() == 1
    assert NASTY_POLICY in (row.locator("td").first.get_attribute("title") or "")
    assert page.locator("img").count() == 0 and page.locator("script").count() == 1
    assert page.get_by_text(f"public.\"{NASTY_TABLE}\"", exact=True).count() >= 1  # its findings group, named as Postgres does
    assert opened.problems == []  # no alert() ran


def test_readable_without_javascript(reports: dict[str, Audited], open_report: Any) -> None:
    report = reports["demo"]
    opened = open_report(report, js=False)
    assert len(heat_rows(opened.page)) == report.doc["summary"]["tables"]
    assert not opened.page.locator("#heat-controls").is_visible()  # they need the script
    assert opened.page.locator("article.f pre.src").first.is_visible()
    assert opened.requests == [report.html.as_uri()]
