"""The audit is pure: rules and policy analysis never import the database layers."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "toolkit"
FORBIDDEN = ("toolkit.engine", "toolkit.catalog", "toolkit.apply", "toolkit.probe", "psycopg")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_audit_and_policy_analysis_never_import_the_database_layers() -> None:
    files = [*(ROOT / "audit").rglob("*.py"), ROOT / "sql" / "policy_expr.py"]
    assert len(files) >= 10
    for path in files:
        bad = {n for n in _imports(path) if n.startswith(FORBIDDEN)}
        assert not bad, f"{path}: {bad}"
        assert "from __future__ import annotations" in path.read_text(encoding="utf-8")
