"""pytest plugin (entry point `supakit`): a migrated throwaway Supabase database for your own tests.

Fixtures:
- `supabase_project`: the project found from the rootdir (or the `supakit_project_dir` ini option).
- `supabase_db`: a session-scoped throwaway database with the project's migrations and seed applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from toolkit.engine.base import Database
    from toolkit.project import Project


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("supakit_project_dir", "folder holding supabase/ for the supabase_db fixture", default="")


@pytest.fixture(scope="session")
def supabase_project(pytestconfig: pytest.Config) -> Project:
    from toolkit.errors import SupakitError
    from toolkit.project import find_project

    configured = pytestconfig.getini("supakit_project_dir")
    try:
        if configured:
            return find_project(Path(pytestconfig.rootpath) / configured)
        return find_project(start=Path(pytestconfig.rootpath))
    except SupakitError as e:
        pytest.fail(f"supakit: {e}", pytrace=False)


@pytest.fixture(scope="session")
def supabase_db(supabase_project: Project) -> Iterator[Database]:
    from toolkit.errors import SupakitError
    from toolkit.pipeline import AuditOptions, start_and_apply

    try:
        db, _result = start_and_apply(supabase_project, AuditOptions(), lambda _m: None)
    except SupakitError as e:
        pytest.fail(f"supakit: {e}", pytrace=False)
    with db:
        yield db
