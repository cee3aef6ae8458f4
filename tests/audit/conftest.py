"""Audit fixtures: one migrated database per test module (each costs ~0.3 s), audited once."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_project
from toolkit.apply import ApplyResult, apply_migrations
from toolkit.audit import AuditResult, audit_snapshot
from toolkit.catalog import take_snapshot
from toolkit.engine.base import Database
from toolkit.migrations import discover
from toolkit.model import DEFAULT_EXTRA_SEARCH_PATH, Finding, Snapshot


@dataclass
class Audited:
    """A migrated database, its snapshot and the audit of it."""

    db: Database
    files: dict[str, str]
    apply: ApplyResult
    snapshot: Snapshot
    result: AuditResult
    settings: dict[str, Any] = field(default_factory=dict)

    def findings(self, rule: str, obj: str | None = None) -> list[Finding]:
        return [f for f in self.result.findings
                if f.rule == rule and (obj is None or str(f.object) == obj)]

    def one(self, rule: str, obj: str) -> Finding:
        got = self.findings(rule, obj)
        assert len(got) == 1, (rule, obj, [str(f.object) for f in self.findings(rule)])
        return got[0]

    def none(self, rule: str, obj: str) -> None:
        assert not self.findings(rule, obj), [f.message for f in self.findings(rule, obj)]

    def where(self, file: str, needle: str) -> str:
        """`file:line:1` of the first line of `file` that contains `needle`."""
        text = textwrap.dedent(self.files[file]).lstrip("\n")
        for n, line in enumerate(text.splitlines(), start=1):
            if needle in line:
                return f"supabase/migrations/{file}:{n}:{len(line) - len(line.lstrip()) + 1}"
        raise AssertionError(f"{needle!r} not in {file}")

    def cell(self, table: str, role: str, command: str) -> tuple[str, tuple[str, ...]]:
        schema, _, name = table.rpartition(".")
        for c in self.result.coverage:
            if (c.schema, c.table, c.role, c.command) == (schema or "public", name, role, command):
                return c.status, c.policies
        raise AssertionError(f"no coverage cell for {table} {role} {command}")


@pytest.fixture(scope="module")
def audit_world(engine, tmp_path_factory: pytest.TempPathFactory  # type: ignore[no-untyped-def]
                ) -> Iterator[Callable[..., Audited]]:
    """audit_world(files, exposure="legacy", schemas=("public", "graphql_public"), settings={},
    extra_search_path=("public", "extensions"), statistics=False)."""
    started: list[Database] = []

    def _make(files: dict[str, str], *, exposure: str = "legacy",
              schemas: tuple[str, ...] = ("public", "graphql_public"),
              settings: dict[str, Any] | None = None, setup: str | None = None,
              extra_search_path: tuple[str, ...] = DEFAULT_EXTRA_SEARCH_PATH,
              statistics: bool = False) -> Audited:
        db = engine.start(exposure=exposure)
        started.append(db)
        if setup:
            with db.connect(superuser=True) as conn:
                conn.execute(setup)
        root: Path = tmp_path_factory.mktemp("audit")
        project = write_project(root, files)
        disc = discover(project.migrations_dir, project.root)
        applied = apply_migrations(db, disc.files)
        with db.connect() as conn:
            snap = take_snapshot(conn, schemas, extra_search_path=extra_search_path,
                                 statistics=statistics)
        result = audit_snapshot(snap, applied.source_map, settings or {})
        return Audited(db, files, applied, snap, result, settings or {})

    yield _make
    for d in started:
        d.close()
