"""`[rules] disable` and `[rules.levels]` switch off or re-level any rule, whichever stage reports
it; through the CLI, as users run it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import write_files
from toolkit.cli import main

NO_RLS = "create table public.notes (id bigint primary key, body text);\n"


def run(root: Path, *args: str) -> tuple[int, Any, str]:
    res = CliRunner().invoke(main, [*args, "--project-dir", str(root), "--format", "json"])
    doc = json.loads(res.stdout) if res.exit_code in (0, 1) else None
    return res.exit_code, doc, res.stderr


def rules_of(doc: dict[str, Any]) -> dict[str, str]:
    return {f["rule"]: f["level"] for f in doc["findings"]}


def test_lint_rules_are_disabled_and_relevelled(tmp_path: Path) -> None:
    plain = write_files(tmp_path / "plain", {"20240101000000_notes.sql": NO_RLS})
    code, doc, _ = run(plain, "lint", "--no-squawk")
    assert code == 1 and rules_of(doc) == {"table_without_rls": "error"}

    off = write_files(tmp_path / "off", {"20240101000000_notes.sql": NO_RLS},
                      settings='[rules]\ndisable = ["table_without_rls"]\n')
    code, doc, _ = run(off, "lint", "--no-squawk")
    assert code == 0 and rules_of(doc) == {}

    lower = write_files(tmp_path / "lower", {"20240101000000_notes.sql": NO_RLS},
                        settings='[rules.levels]\ntable_without_rls = "info"\n')
    code, doc, _ = run(lower, "lint", "--no-squawk")
    assert code == 0 and rules_of(doc) == {"table_without_rls": "info"}


def test_audit_rules_are_disabled_and_relevelled_and_their_suppressions_not_judged(
        engine: object, tmp_path: Path) -> None:
    sql = ("-- supakit-ignore: rls_disabled -- the rule is off anyway\n"
           "create table public.notes (id bigint, body text);\n")
    root = write_files(tmp_path / "p", {"20240101000000_notes.sql": sql},
                       settings='[rules]\ndisable = ["rls_disabled"]\n\n'
                                '[rules.levels]\nno_primary_key = "error"\n')
    code, doc, err = run(root, "audit", "--no-probe")
    assert code == 1, err
    found = rules_of(doc)
    assert found["no_primary_key"] == "error"
    assert "rls_disabled" not in found and "unused_suppression" not in found
    assert not doc["suppressed"]


@pytest.mark.parametrize(("settings", "message"), [
    ('[rules]\ndisable = ["table_without_rsl"]\n',
     "[rules] disable: unknown rule 'table_without_rsl'; did you mean 'table_without_rls'?"),
    ('[lint]\ndisable = ["rls_disabeld"]\n',
     "[lint] disable: unknown rule 'rls_disabeld'; did you mean 'rls_disabled'?"),
    ('[rules.levels]\nno_primary_keys = "warn"\n',
     "[rules.levels]: unknown rule 'no_primary_keys'; did you mean 'no_primary_key'?"),
    ('[rules.levels]\nno_primary_key = "warning"\n',
     "[rules.levels] no_primary_key = 'warning' is not a level; did you mean 'warn'?"),
    ('[rules]\ndisabel = []\n', "[rules]: unknown key 'disabel'; did you mean 'disable'?"),
    ('[rules]\ndisable = "rls_disabled"\n', "[rules] disable must be a list of rule ids"),
])
def test_bad_rule_settings_are_one_line_errors(tmp_path: Path, settings: str, message: str) -> None:
    """In supakit.toml's own words: [rules], not [tool.supakit.rules]."""
    root = write_files(tmp_path / "p", {"20240101000000_notes.sql": NO_RLS}, settings=settings)
    code, _, err = run(root, "lint", "--no-squawk")
    assert code == 2 and err.count("\n") == 1 and message in err, err
