from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.errors import ConfigError
from toolkit.registry import all_rules
from toolkit.rules_doc import doc_link, list_rules, show_rule

REPO = Path(__file__).resolve().parents[2]
SECTIONS = ("## What it detects", "## Why it matters on Supabase", "## Failing example",
            "## Passing example", "## How to fix", "## How to suppress")


def test_list_has_every_registered_rule_with_its_metadata() -> None:
    out = list_rules().splitlines()
    assert out[0].split() == ["id", "level", "category", "stage", "summary"]
    for rule in all_rules():
        line = next(x for x in out if x.split()[0] == rule.id)
        assert line.split()[1:4] == [rule.level.value, rule.category.value, rule.stage.value]
        assert line.endswith(rule.summary)


@pytest.mark.parametrize("rule_id", ["unused_suppression", "suppression_without_reason"])
def test_suppression_rules_have_complete_pages(rule_id: str) -> None:
    text = show_rule(rule_id)
    assert text == (REPO / "docs" / "rules" / f"{rule_id}.md").read_text().rstrip("\n")
    assert text.startswith(f"# {rule_id}\n")
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert "```sql" in text


def test_unknown_rule_suggests_the_nearest_id() -> None:
    with pytest.raises(ConfigError, match="unknown rule 'unused_supresion'; did you mean 'unused_suppression'"):
        show_rule("unused_supresion")
    with pytest.raises(ConfigError, match=r"unknown rule 'zzz' \("):
        show_rule("zzz")


def test_doc_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPAKIT_DOCS_URL", raising=False)
    assert doc_link("unused_suppression") == "docs/rules/unused_suppression.md"
    assert doc_link("squawk/ban-drop-column") == "docs/rules/squawk.md"
    assert doc_link("not/registered") == "docs/rules/not_registered.md"
    monkeypatch.setenv("SUPAKIT_DOCS_URL", "https://x.test/s/")
    assert doc_link("unused_suppression") == "https://x.test/s/docs/rules/unused_suppression.md"


def test_cli_rules_command() -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["rules"])
    assert listed.exit_code == 0 and "unused_suppression" in listed.output
    shown = runner.invoke(main, ["rules", "suppression_without_reason"])
    assert shown.exit_code == 0 and "## How to suppress" in shown.output
    bad = runner.invoke(main, ["rules", "rls_disabeld_typo"])
    assert bad.exit_code == 2
    assert bad.output.count("\n") == 1 and "unknown rule" in bad.output
