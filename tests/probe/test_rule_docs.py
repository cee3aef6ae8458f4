"""Every probe rule has a complete page whose examples are true: probing the failing example
reports the rule on the object the page names, probing the passing example does not."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_project
from toolkit.apply import apply_migrations
from toolkit.catalog import take_snapshot
from toolkit.engine.base import Database
from toolkit.migrations import discover
from toolkit.model import Stage
from toolkit.probe import run_probe
from toolkit.project import validate_settings
from toolkit.registry import all_rules

REPO = Path(__file__).resolve().parents[2]
PROBE_RULES = sorted(r.id for r in all_rules() if r.stage == Stage.PROBE)


def page(rule_id: str) -> str:
    return (REPO / "docs" / "rules" / f"{rule_id}.md").read_text(encoding="utf-8")


def block(text: str, section: str, lang: str) -> str | None:
    body = text.split(section, 1)[1].split("\n## ", 1)[0]
    m = re.search(rf"```{lang}\n(.*?)```", body, re.S)
    return m.group(1) if m else None


def test_the_probe_registers_its_rules() -> None:
    assert sorted(["probe_anon_read", "probe_anon_write", "probe_cross_user_read",
                                  "probe_cross_user_write", "probe_owner_spoof", "probe_skipped",
                                  "expectation_mismatch"]) == PROBE_RULES
    source = (REPO / "toolkit" / "probe" / "rules.py").read_text()
    for rule_id in PROBE_RULES:
        assert f'id="{rule_id}"' in source


@pytest.mark.parametrize("rule_id", PROBE_RULES)
def test_examples_fire_and_stay_quiet(rule_id: str, fresh_db: Callable[[], Database],
                                      tmp_path: Path) -> None:
    text = page(rule_id)
    documented = re.search(r'object = "([^"]+)"', text).group(1)  # type: ignore[union-attr]
    for n, (section, fires) in enumerate((("## Failing example", True),
                                          ("## Passing example", False))):
        sql = block(text, section, "sql")
        assert sql, section
        config = block(text, section, "toml")
        raw: dict[str, Any] = tomllib.loads(config)["tool"]["supakit"] if config else {}
        with fresh_db() as db:
            project = write_project(tmp_path / str(n), {"20240101000000_example.sql": sql})
            applied = apply_migrations(db, discover(project.migrations_dir, project.root).files)
            assert applied.complete, [str(f) for f in applied.failures]
            with db.connect() as conn:
                snap = take_snapshot(conn, ("public", "graphql_public"))
            result = run_probe(db, snap, source_map=applied.source_map,
                               settings=validate_settings(raw, None))
        found = [f for f in result.findings if f.rule == rule_id]
        if fires:
            assert [str(f.object) for f in found] == [documented], [f.message for f in result.findings]
            assert found[0].location is not None
            assert found[0].location.file == "supabase/migrations/20240101000000_example.sql"
        else:
            assert found == [], [f.message for f in found]
