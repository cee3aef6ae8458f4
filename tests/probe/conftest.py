"""Probe fixtures: apply SQL to a fresh throwaway database, snapshot it, probe it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from toolkit.apply import ApplyResult
from toolkit.catalog import take_snapshot
from toolkit.engine.base import Database
from toolkit.model import Finding, Snapshot
from toolkit.pipeline import AuditOptions, start_and_apply
from toolkit.probe import ProbeResult, run_probe
from toolkit.project import Project, find_project, validate_settings

MIGRATION = "20240101000000_schema.sql"


@pytest.fixture
def probe_sql(db: Database, apply_sql: Callable[..., Any]) -> Callable[..., ProbeResult]:
    """probe_sql("create table ...", settings={...}) -> ProbeResult on a fresh database."""

    def _probe(sql: str, *, settings: dict[str, Any] | None = None, seed: str | None = None) -> ProbeResult:
        project, applied = apply_sql(db, {MIGRATION: sql}, seed=seed)
        assert applied.complete, [str(f) for f in applied.failures]
        with db.connect() as conn:
            snapshot = take_snapshot(conn, exposed_schemas=("public", "graphql_public"))
        return run_probe(db, snapshot, source_map=applied.source_map,
                         settings=validate_settings(settings or {}, None))

    return _probe


def by_rule(result: ProbeResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def rules_for(result: ProbeResult, table: str) -> set[str]:
    return {f.rule for f in result.findings if f.object.name == table}


@contextmanager
def applied_project(root: Path) -> Iterator[tuple[Project, Database, ApplyResult, Snapshot]]:
    """A project folder applied to a fresh throwaway database, with its snapshot."""
    project = find_project(root)
    db, result = start_and_apply(project, AuditOptions(engine="local"), lambda _m: None)
    with db:
        assert result.complete, [str(f) for f in result.failures]
        with db.connect() as conn:
            snapshot = take_snapshot(conn, project.exposed_schemas)
        yield project, db, result, snapshot
