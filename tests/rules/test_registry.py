"""One rule shape: findings are made only by `RuleInfo.finding`, and a rule id is written only in
its own `RuleInfo(id=...)` (everything else refers to the rule by its info)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from toolkit.model import Category, Level, ObjectRef, Stage
from toolkit.registry import RuleInfo, all_rules, checks, rule

ROOT = Path(__file__).resolve().parents[2] / "toolkit"
IDS = {r.id for r in all_rules()}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(ROOT.rglob("*.py"))]


def _rule_info_ids(tree: ast.Module) -> list[ast.Constant]:
    """The `id="..."` literals of RuleInfo(...) calls."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "RuleInfo":
            out += [k.value for k in node.keywords if k.arg == "id" and isinstance(k.value, ast.Constant)]
    return out


def test_only_the_registry_constructs_findings() -> None:
    for path, tree in _modules():
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == "Finding"]
        if path.name == "registry.py":
            assert len(calls) == 1
        else:
            assert not calls, f"{path}:{calls[0].lineno}: use RuleInfo.finding(...)"


def test_rule_ids_are_written_only_in_their_definition() -> None:
    defined: list[str] = []
    stray: list[str] = []
    for path, tree in _modules():
        own = {id(c) for c in _rule_info_ids(tree)}
        defined += [c.value for c in _rule_info_ids(tree)]
        stray += [f"{path.relative_to(ROOT.parent)}:{node.lineno}: {node.value}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value in IDS and id(node) not in own]
    assert not stray, "rule ids written outside their RuleInfo (refer to INFO.id instead)"
    assert sorted(defined) == sorted(IDS), "every RuleInfo literal is registered, once"


def test_finding_takes_id_category_level_and_fix_from_the_info() -> None:
    info = RuleInfo(id="x_rule", level=Level.WARN, category=Category.HYGIENE, stage=Stage.AUDIT,
                    summary="s", fix="do this")
    f = info.finding(ObjectRef("table", "public", "t"), "m")
    assert (f.rule, f.level, f.category, f.remediation, f.location, f.evidence) == (
        "x_rule", Level.WARN, Category.HYGIENE, "do this", None, {})
    g = info.finding(ObjectRef("table", "public", "t"), "m", level=Level.ERROR, remediation="other",
                     evidence={"k": 1})
    assert (g.level, g.remediation, g.evidence) == (Level.ERROR, "other", {"k": 1})


def test_checks_are_listed_per_stage_in_registration_order() -> None:
    from toolkit import audit, lint  # noqa: F401  (register their checks)
    from toolkit.probe import rules as probe_rules  # noqa: F401

    for stage in (Stage.LINT, Stage.AUDIT, Stage.PROBE):
        got = checks(stage)
        assert got and all(info.stage is stage for info, _ in got)
    assert [i.id for i, _ in checks(Stage.PROBE)][:2] == ["probe_anon_read", "probe_anon_write"]


def test_registering_an_id_twice_with_other_metadata_fails() -> None:
    taken = next(iter(IDS))
    other = RuleInfo(id=taken, level=Level.INFO, category=Category.HYGIENE, stage=Stage.LINT,
                     summary="something else")
    with pytest.raises(ValueError, match="registered twice"):
        rule(other)(lambda: [])
