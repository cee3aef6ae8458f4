from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.lint import lint_project
from toolkit.model import Finding

LintSql = Callable[..., list[Finding]]


@pytest.fixture
def lint_sql(tmp_path: Path) -> LintSql:
    """lint_sql(sql | {name: sql}, rules=..., squawk=False, settings=...) -> findings (of those rules)."""
    counter = iter(range(1000))

    def _lint(files: str | dict[str, str], *, rule: str | None = None, squawk: bool = False,
              settings: str | None = None, config: str | None = None) -> list[Finding]:
        if isinstance(files, str):
            files = {"20240101000000_a.sql": files}
        project = write_project(tmp_path / f"l{next(counter)}", files, settings=settings, config=config)
        found = lint_project(project, squawk=None if squawk else False).findings
        return [f for f in found if rule is None or f.rule == rule]

    return _lint
