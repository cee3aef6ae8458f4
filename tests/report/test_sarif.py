from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.model import Category, Finding, Level, Location, ObjectRef, RunResult
from toolkit.registry import all_rules
from toolkit.report import render


def sarif(report: RunResult) -> dict:  # type: ignore[type-arg]
    return json.loads(render(report, "sarif"))


def test_required_top_level_fields(report: RunResult) -> None:
    doc = sarif(report)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "supakit"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_driver_rules_come_from_the_registry(report: RunResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPAKIT_DOCS_URL", raising=False)
    rules = {r["id"]: r for r in sarif(report)["runs"][0]["tool"]["driver"]["rules"]}
    for info in all_rules():
        d = rules[info.id]
        assert d["shortDescription"]["text"] == info.summary
        assert "helpUri" not in d  # a relative link would 404 in the user's repository
        assert d["defaultConfiguration"]["level"] == {"error": "error", "warn": "warning",
                                                       "info": "note"}[info.level.value]
    assert rules["unused_suppression"]["defaultConfiguration"]["level"] == "note"


def test_the_rules_it_reports_carry_their_page(report: RunResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPAKIT_DOCS_URL", raising=False)
    rules = {r["id"]: r for r in sarif(report)["runs"][0]["tool"]["driver"]["rules"]}
    help_ = rules["rls_disabled"]["help"]
    assert help_["markdown"].startswith("# rls_disabled") and "## How to fix" in help_["markdown"]
    assert "## How to fix" in help_["text"]
    assert "supakit rules policy_without_rls" in rules["policy_without_rls"]["help"]["text"]  # not reported
    monkeypatch.setenv("SUPAKIT_DOCS_URL", "https://x.test/supakit/blob/main")
    rules = {r["id"]: r for r in sarif(report)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["rls_disabled"]["helpUri"] == "https://x.test/supakit/blob/main/docs/rules/rls_disabled.md"


def test_every_result_points_at_its_rule_and_its_line(report: RunResult) -> None:
    run = sarif(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["message"]["text"]
        assert r["level"] in ("error", "warning", "note")
        assert r["partialFingerprints"]["supakit/v1"]
    pol = by_rule["policy_always_true"]
    phys = pol["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "supabase/migrations/20240102000000_inv.sql"
    assert phys["region"] == {"startLine": 7, "startColumn": 3}
    assert pol["level"] == "warning"
    assert pol["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == \
        'public."anyone can update" on public.invoices'


def test_finding_without_a_file_gets_a_logical_location(report: RunResult) -> None:
    run = sarif(report)["runs"][0]
    fn = next(r for r in run["results"] if r["ruleId"] == "function_search_path_mutable")
    loc = fn["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "supabase/migrations"
    assert "region" not in loc["physicalLocation"]
    assert loc["logicalLocations"] == [{"fullyQualifiedName": "public.f(uuid)", "kind": "function"}]


def test_suppressed_findings_carry_a_sarif_suppression(report: RunResult) -> None:
    run = sarif(report)["runs"][0]
    sup = [r for r in run["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in sup] == ["no_primary_key"]
    assert sup[0]["suppressions"][0]["kind"] == "inSource"


def test_docs_url_makes_help_links_absolute(report: RunResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPAKIT_DOCS_URL", "https://example.org/supakit/blob/main/")
    driver = sarif(report)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/supakit/blob/main"
    assert all(r["helpUri"].startswith("https://example.org/supakit/blob/main/docs/rules/")
               for r in driver["rules"])


def test_paths_are_relative_to_the_git_checkout(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    app = tmp_path / "apps" / "web"
    app.mkdir(parents=True)
    f = Finding("x_rule", Level.ERROR, Category.SECURITY, ObjectRef("table", "public", "t"), "m",
                location=Location("supabase/migrations/1_a.sql", 3, 1))
    run = sarif(RunResult(findings=[f], info={"project": str(app)}))["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "apps/web/supabase/migrations/1_a.sql"


def test_incomplete_run_is_not_successful() -> None:
    rep = RunResult(incomplete=True, info={"failures": ["supabase/migrations/1_a.sql:4:1: boom"]})
    inv = sarif(rep)["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert "1_a.sql:4:1: boom" in inv["toolExecutionNotifications"][0]["message"]["text"]
