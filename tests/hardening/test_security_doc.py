"""docs/security.md names, for each threat, the test that proves the defence: every test it
names exists, and every hardening test is named there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_test_the_page_names_exists() -> None:
    refs = REF.findall(DOC)
    assert len(refs) > 40
    missing = [f"{f}::{name}" for f, name in refs if not (REPO / f).is_file() or name not in _tests_in(REPO / f)]
    assert missing == []


def test_every_hardening_test_is_on_the_page() -> None:
    named = {(f, name) for f, name in REF.findall(DOC)}
    here = Path(__file__).resolve().parent
    unnamed = [f"{p.name}::{t}" for p in sorted(here.glob("test_*.py")) if p.name != Path(__file__).name
               for t in sorted(_tests_in(p))
               if (f"tests/hardening/{p.name}", t) not in named and not t.endswith("_long_run")]
    assert unnamed == []
