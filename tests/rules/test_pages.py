"""Every registered rule has a complete docs page (one check for every stage's rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.model import Stage
from toolkit.registry import all_rules
from toolkit.rule_pages import SECTIONS

REPO = Path(__file__).resolve().parents[2]
# Rules on database objects can be silenced by a comment on the statement that made the object;
# file- and history-level rules are silenced through config or the baseline instead.
INLINE_STAGES = (Stage.AUDIT, Stage.PROBE)
RULES = [r for r in all_rules() if not r.id.startswith("squawk/")]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_page_is_complete(rule) -> None:  # type: ignore[no-untyped-def]
    text = (REPO / rule.doc_path).read_text(encoding="utf-8")
    assert text.startswith(f"# {rule.id}\n")
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert "\nTODO\n" not in text, "a section of the page make docs created is still to write"
    if rule.stage in INLINE_STAGES:
        assert f"supakit-ignore: {rule.id} --" in text and f'rule = "{rule.id}"' in text
