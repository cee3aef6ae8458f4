"""Fixtures for the extension gate: databases with stubs installed by real migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.apply import ApplyResult, apply_migrations
from toolkit.engine.base import Database
from toolkit.migrations import discover

EVERY_STUB = """
create extension if not exists vector with schema extensions;
create extension if not exists pg_net with schema extensions;
create extension if not exists pgsodium;
create extension if not exists supabase_vault with schema vault;
create extension if not exists pgjwt with schema extensions;
create extension if not exists pg_graphql with schema graphql;
create extension if not exists http with schema extensions;
create extension if not exists wrappers with schema extensions;
create extension if not exists plv8 with schema pg_catalog;
create extension if not exists pg_cron with schema pg_catalog;
"""


@pytest.fixture(scope="module")
def module_apply(engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        Callable[[dict[str, str]], tuple[Database, ApplyResult]]]:  # type: ignore[no-untyped-def]
    """apply(files) -> (db, result) on a fresh database that lives for the whole module."""
    started: list[Database] = []

    def _apply(files: dict[str, str]) -> tuple[Database, ApplyResult]:
        root: Path = tmp_path_factory.mktemp("ext")
        project = write_project(root, files)
        db = engine.start(exposure="legacy")
        started.append(db)
        return db, apply_migrations(db, discover(project.migrations_dir, project.root).files)

    yield _apply
    for d in started:
        d.close()


@pytest.fixture(scope="module")
def stubbed(module_apply) -> tuple[Database, ApplyResult]:  # type: ignore[no-untyped-def]
    """Every stub, installed the way real projects ask for them."""
    return module_apply({"20240101000000_extensions.sql": EVERY_STUB})


def query(db: Database, sql: str, *params: object, path: str | None = None,
          role: str | None = None) -> list[tuple[object, ...]]:
    """Rows of one statement, run as postgres (or `role`) with an optional search_path."""
    with db.connect() as conn:
        if path is not None:
            conn.execute(f"set search_path = {path}")
        if role is not None:
            conn.execute(f"set role {role}")
        return conn.execute(sql, params or None).fetchall()  # type: ignore[arg-type]
