from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.errors import ConfigError
from toolkit.registry import all_rules, get
from toolkit.rule_pages import MARKER
from toolkit.rules_doc import doc_link, help_markdown, help_text, list_rules, show_rule

REPO = Path(__file__).resolve().parents[2]


def test_list_has_every_registered_rule_with_its_metadata() -> None:
    out = list_rules().splitlines()
    assert out[0].split() == ["id", "level", "category", "stage", "summary"]
    for rule in all_rules():
        line = next(x for x in out if x.split()[0] == rule.id)
        assert line.split()[1:4] == [rule.level.value, rule.category.value, rule.stage.value]
        assert line.endswith(rule.summary)


def test_a_page_is_shown_without_its_generated_marker() -> None:
    text = show_rule("unused_suppression")
    page = (REPO / "docs" / "rules" / "unused_suppression.md").read_text(encoding="utf-8")
    assert MARKER in page and MARKER not in text
    assert text.startswith("# unused_suppression\n") and "## How to suppress" in text


def test_unknown_rule_suggests_the_nearest_id() -> None:
    with pytest.raises(ConfigError, match="unknown rule 'unused_supresion'; did you mean 'unused_suppression'"):
        show_rule("unused_supresion")
    with pytest.raises(ConfigError, match=r"unknown rule 'zzz' \("):
        show_rule("zzz")


def test_doc_links_only_with_a_docs_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative link would point into the user's repository, where no rule page exists."""
    monkeypatch.delenv("SUPAKIT_DOCS_URL", raising=False)
    assert doc_link("unused_suppression") is None
    monkeypatch.setenv("SUPAKIT_DOCS_URL", "https://x.test/s/")
    assert doc_link("unused_suppression") == "https://x.test/s/docs/rules/unused_suppression.md"
    assert doc_link("squawk/ban-drop-column") == "https://x.test/s/docs/rules/squawk.md"
    assert doc_link("not/registered") == "https://x.test/s/docs/rules/not_registered.md"


def test_help_carries_the_page_with_working_links(monkeypatch: pytest.MonkeyPatch) -> None:
    info = get("squawk/ban-drop-column")
    assert info is not None
    monkeypatch.delenv("SUPAKIT_DOCS_URL", raising=False)
    page = help_markdown(info)
    assert page.startswith("# squawk") and "## How to suppress" in page
    assert "[squawk](https://squawkhq.com)" in page  # absolute links stay
    assert "](transaction_control_in_migration.md)" not in page and "`transaction_control_in_migration`" in page
    assert "](http" not in help_text(info)
    monkeypatch.setenv("SUPAKIT_DOCS_URL", "https://x.test/s")
    assert "](https://x.test/s/docs/rules/transaction_control_in_migration.md)" in help_markdown(info)


def test_cli_rules_command() -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["rules"])
    assert listed.exit_code == 0 and "unused_suppression" in listed.output
    shown = runner.invoke(main, ["rules", "suppression_without_reason"])
    assert shown.exit_code == 0 and "## How to suppress" in shown.output
    bad = runner.invoke(main, ["rules", "rls_disabeld_typo"])
    assert bad.exit_code == 2
    assert bad.output.count("\n") == 1 and "unknown rule" in bad.output
