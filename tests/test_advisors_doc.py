"""docs/advisors.md maps every Supabase advisor lint to supakit, and agrees with the registry:
each rule that says it covers a lint is named in that lint's row, and each rule named exists."""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.registry import all_rules

REPO = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (\d{4}) \| `([a-z_]+)` \((.*?)\) \| (.*?) \| (.*?) \|$")
LINK = re.compile(r"\[`([a-z_]+)`\]\(rules/\1\.md\)")


def _rows() -> dict[str, tuple[str, list[str]]]:
    """lint number -> (advisor name, supakit rules in its row)."""
    out = {}
    for line in (REPO / "docs" / "advisors.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            assert m.group(1) not in out, f"lint {m.group(1)} listed twice"
            out[m.group(1)] = (m.group(2), LINK.findall(m.group(4)))
    return out


def test_every_advisor_lint_has_a_row_naming_registered_rules() -> None:
    rows = _rows()
    assert sorted(rows) == [f"{n:04d}" for n in range(1, 30)]
    known = {r.id for r in all_rules()}
    for number, (_, rules) in rows.items():
        assert rules and set(rules) <= known, (number, rules)


def test_the_registry_and_the_page_agree() -> None:
    rows = _rows()
    claimed = {a: r.id for r in all_rules() for a in r.advisors}
    for advisor, rule in claimed.items():
        number, _, name = advisor.partition("_")
        assert rows[number][0] == name, (advisor, rows[number][0])
        assert rule in rows[number][1], (advisor, rule)
    # Every catalog lint is covered by a rule that says so; 0012 reads the Auth server's config.
    assert sorted({a.split("_")[0] for a in claimed}) == [f"{n:04d}" for n in range(1, 30) if n != 12]
