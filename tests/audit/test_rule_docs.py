"""Every audit rule is registered with a literal id and has a complete page whose examples are
true: the failing SQL makes the rule fire on the object the page names, the passing SQL does not."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.apply import apply_migrations
from toolkit.audit import audit_snapshot
from toolkit.catalog import take_snapshot
from toolkit.engine.base import Database
from toolkit.migrations import discover
from toolkit.registry import all_rules

REPO = Path(__file__).resolve().parents[2]
AUDIT_RULES = sorted(r.id for r in all_rules() if r.stage == "audit")
# Superuser setup an example needs before its migration can run.
SETUP = {
    "foreign_table_exposed": "create extension if not exists postgres_fdw; "
                             "create server billing foreign data wrapper postgres_fdw; "
                             "grant usage on foreign server billing to postgres;",
}
# Exposed schemas an example needs beyond the default ones.
SCHEMAS = {"queue_exposed": ("pgmq_public",)}
# Rules that read runtime statistics, which only a live database's snapshot carries.
LIVE_ONLY = ("unused_index", "table_bloat", "extension_outdated")


def page(rule_id: str) -> str:
    return (REPO / "docs" / "rules" / f"{rule_id}.md").read_text(encoding="utf-8")


def example(text: str, section: str) -> str:
    body = text.split(section, 1)[1]
    m = re.search(r"```sql\n(.*?)```", body, re.S)
    assert m, section
    return m.group(1)


def test_the_auditor_registers_all_its_rules() -> None:
    assert len(AUDIT_RULES) == 31
    sources = "".join(p.read_text() for p in (REPO / "toolkit" / "audit" / "rules").glob("*.py"))
    for rule_id in AUDIT_RULES:
        assert f'id="{rule_id}"' in sources


@pytest.mark.parametrize("rule_id", AUDIT_RULES)
def test_examples_fire_and_stay_quiet(rule_id: str, fresh_db: Callable[[], Database],
                                      tmp_path: Path) -> None:
    text = page(rule_id)
    documented_object = re.search(r'object = "([^"]+)"', text).group(1)  # type: ignore[union-attr]
    for n, (section, fires) in enumerate((("## Failing example", True),
                                          ("## Passing example", False))):
        with fresh_db() as db:
            if rule_id in SETUP:
                with db.connect(superuser=True) as conn:
                    conn.execute(SETUP[rule_id])
            project = write_project(tmp_path / str(n),
                                    {"20240101000000_example.sql": example(text, section)})
            result = apply_migrations(db, discover(project.migrations_dir, project.root).files)
            with db.connect() as conn:
                snap = take_snapshot(conn, ("public", "graphql_public", *SCHEMAS.get(rule_id, ())),
                                     statistics=rule_id in LIVE_ONLY)
        found = [f for f in audit_snapshot(snap, result.source_map, {}).findings if f.rule == rule_id]
        if fires:
            assert [str(f.object) for f in found] == [documented_object]
            assert found[0].location is not None
            assert found[0].location.file == "supabase/migrations/20240101000000_example.sql"
        else:
            assert found == [], [f.message for f in found]
