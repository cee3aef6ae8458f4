"""Data flows one way (files → engine → apply → snapshot → rules/probe → findings → report), so
some imports must never exist; checked on the import statements of every module, lazy ones too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "toolkit"
DATABASE = ("toolkit.engine", "toolkit.catalog", "toolkit.apply", "psycopg")

# (modules, imports they must not make, why)
RULES = [
    ("toolkit/audit", (*DATABASE, "toolkit.probe"), "audit rules are pure functions of the snapshot"),
    ("toolkit/sql/policy_expr.py", (*DATABASE, "toolkit.probe"), "policy analysis is pure"),
    ("toolkit/facts", (*DATABASE, "toolkit.probe", "toolkit.audit"), "facts are pure and shared by audit and probe"),
    ("toolkit/probe", ("toolkit.audit",), "the probe reads shared facts, not audit internals"),
    ("toolkit/lint", DATABASE, "lint needs no database"),
    ("toolkit/report", ("toolkit.engine", "psycopg"), "reports render results, they never query"),
    ("toolkit/model.py", ("toolkit.",), "the model imports nothing else of ours"),
    ("toolkit/registry.py", ("toolkit.engine", "toolkit.audit", "toolkit.lint", "toolkit.probe", "psycopg"),
     "rule modules import the registry, not the other way round (except all_rules, by name)"),
]


def _files(where: str) -> list[Path]:
    path = ROOT.parent / where
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize(("where", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_forbidden_imports(where: str, forbidden: tuple[str, ...], why: str) -> None:
    files = _files(where)
    assert files, where
    for path in files:
        bad = {n for n in imports(path) if n.startswith(forbidden)}
        assert not bad, f"{path.relative_to(ROOT.parent)} imports {sorted(bad)}: {why}"


def test_the_check_sees_a_lazy_import(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from toolkit.audit.context import AuditContext\n")
    assert "toolkit.audit.context" in imports(src)


def test_every_module_postpones_annotations() -> None:
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 3:
            assert "from __future__ import annotations" in text, path
