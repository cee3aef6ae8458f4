from __future__ import annotations

import json
import random

import pytest

from toolkit.errors import ConfigError
from toolkit.model import Finding, RunResult
from toolkit.report import render


def test_top_level_keys_in_a_stable_order(report: RunResult) -> None:
    doc = json.loads(render(report, "json"))
    assert list(doc) == ["version", "tool", "project", "exposure", "summary", "coverage",
                         "findings", "suppressed", "info"]
    assert doc["version"] == 1
    assert doc["tool"]["name"] == "supakit"
    assert doc["exposure"] == "legacy"


def test_summary_counts_active_findings_and_suppressed_apart(report: RunResult) -> None:
    doc = json.loads(render(report, "json"))
    assert doc["summary"] == {"error": 1, "warn": 2, "info": 1, "suppressed": 1, "tables": 3,
                              "incomplete": False}
    assert [f["rule"] for f in doc["suppressed"]] == ["no_primary_key"]
    assert "no_primary_key" not in [f["rule"] for f in doc["findings"]]


def test_findings_sorted_by_file_line_rule_then_unlocated_last(report: RunResult) -> None:
    doc = json.loads(render(report, "json"))
    keys = [(f["location"] or {}).get("file", "~") + f":{(f['location'] or {}).get('line', 0)}:{f['rule']}"
            for f in doc["findings"]]
    assert keys == [
        "supabase/migrations/20240101000000_init.sql:12:rls_disabled",
        "supabase/migrations/20240102000000_inv.sql:1:unindexed_foreign_key",
        "supabase/migrations/20240102000000_inv.sql:7:policy_always_true",
        "~:0:function_search_path_mutable",
    ]


def test_output_does_not_depend_on_input_order(report: RunResult) -> None:
    first = render(report, "json")
    for seed in range(5):
        random.Random(seed).shuffle(report.findings)
        random.Random(seed).shuffle(report.coverage)
        report.info = dict(reversed(list(report.info.items())))
        assert render(report, "json") == first


def test_coverage_cells_round_trip_and_evidence_is_serialisable(report: RunResult) -> None:
    doc = json.loads(render(report, "json"))
    first = doc["coverage"][0]
    assert first == {"schema": "public", "table": "clean", "role": "anon", "command": "select",
                     "status": "denied", "policies": [], "surfaces": ["rest"]}
    notes = next(f for f in doc["findings"] if f["rule"] == "rls_disabled")
    assert notes["evidence"] == {"roles": ["anon", "authenticated"], "path": "x/y"}
    assert Finding.from_dict(notes).object.name == "notes"


def test_an_empty_report_is_still_a_complete_document() -> None:
    doc = json.loads(render(RunResult(), "json"))
    assert doc["summary"]["error"] == 0 and doc["findings"] == [] and doc["exposure"] is None


def test_unknown_format_is_a_config_error(report: RunResult) -> None:
    with pytest.raises(ConfigError, match="unknown report format 'yaml'"):
        render(report, "yaml")
