"""squawk-cli runs once over all files; its violations map to squawk/<name> findings at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_project
from tests.lint.conftest import LintSql
from toolkit.lint import lint_project
from toolkit.lint.squawk import (
    DEFAULT_EXCLUDE,
    SquawkMissing,
    SquawkOptions,
    effective_rules,
    find_squawk,
)
from toolkit.model import Level
from toolkit.registry import get


def squawk_only(findings: list) -> list:
    return [f for f in findings if f.rule.startswith("squawk/")]


def test_violations_map_to_our_findings_with_exact_lines_and_columns(lint_sql: LintSql) -> None:
    sql = ("create table private.t (id bigint primary key, n bigint);\n"
           "\n"
           "-- an existing table gets a blocking index and a rewrite:\n"
           "create index t_n on private.existing (n);\n"
           "alter table private.existing alter column n type   text;\n")
    found = squawk_only(lint_sql(sql, squawk=True))
    by_rule = {f.rule: f for f in found}
    idx = by_rule["squawk/require-concurrent-index-creation"]
    assert idx.location and (idx.location.line, idx.location.column) == (4, 1)
    assert idx.location.file == "supabase/migrations/20240101000000_a.sql"
    assert idx.level is Level.WARN and idx.evidence["squawk_rule"] == "require-concurrent-index-creation"
    typ = by_rule["squawk/changing-column-type"]
    assert typ.location and typ.location.line == 5
    assert all(get(f.rule) is not None for f in found)


def test_columns_count_characters_not_bytes(lint_sql: LintSql) -> None:
    sql = "-- é\ncreate table private.t (naïve_café int);\n"
    [f] = [x for x in lint_sql(sql, squawk=True) if x.rule == "squawk/prefer-bigint-over-int"]
    assert f.location and (f.location.line, f.location.column) == (2, 36)
    assert sql.splitlines()[1][35:38] == "int"


def test_a_byte_order_mark_does_not_shift_columns(tmp_path: Path) -> None:
    project = write_project(tmp_path, {})
    (project.migrations_dir / "20240101000000_bom.sql").write_bytes(
        "\ufeffcreate table private.t (id int);\n".encode())
    [f] = [x for x in lint_project(project).findings if x.rule == "squawk/prefer-bigint-over-int"]
    assert f.location and (f.location.line, f.location.column) == (1, 28)


def test_create_index_on_a_table_from_the_same_file_is_left_to_squawk(lint_sql: LintSql) -> None:
    sql = "create table private.t (id bigint);\ncreate index t_id on private.t (id);\n"
    assert not [f for f in lint_sql(sql, squawk=True) if "concurrent" in f.rule]


def test_default_exclusions_and_how_config_switches_rules(lint_sql: LintSql) -> None:
    sql = "alter table private.t add column c bigint;\n"
    assert not [f for f in lint_sql(sql, squawk=True) if f.rule == "squawk/require-lock-timeout"]
    included = lint_sql(sql, squawk=True, settings='[lint]\nsquawk_include = ["require-lock-timeout"]\n')
    assert [f for f in included if f.rule == "squawk/require-lock-timeout"]
    sql2 = "create table private.t (id int);\n"
    assert [f for f in lint_sql(sql2, squawk=True) if f.rule == "squawk/prefer-bigint-over-int"]
    excluded = lint_sql(sql2, squawk=True, settings='[lint]\nsquawk_exclude = ["prefer-bigint-over-int"]\n')
    assert not squawk_only(excluded)
    via_disable = lint_sql(sql2, squawk=True, settings='[lint]\ndisable = ["squawk/prefer-bigint-over-int"]\n')
    assert not squawk_only(via_disable)
    off = lint_sql(sql2, squawk=True, settings="[lint]\nsquawk = false\n")
    assert not squawk_only(off)
    opt_in = lint_sql("create table t (id bigint);\n", squawk=True,
                      settings='[lint]\nsquawk_include = ["require-table-schema"]\n')
    assert [f for f in opt_in if f.rule == "squawk/require-table-schema"]


def test_effective_rules_exclude_beats_include() -> None:
    exclude, include = effective_rules(SquawkOptions(exclude=["ban-drop-table"],
                                                     include=["require-lock-timeout", "ban-drop-table"]))
    assert "require-lock-timeout" not in exclude and "require-lock-timeout" in include
    assert "ban-drop-table" in exclude and "ban-drop-table" not in include
    assert set(DEFAULT_EXCLUDE) - {"require-lock-timeout"} <= set(exclude)


def test_unknown_squawk_rule_in_config_is_one_clear_error(lint_sql: LintSql) -> None:
    from toolkit.errors import SupakitError

    with pytest.raises(SupakitError, match="squawk does not know the rule 'no-such-rule'"):
        lint_sql("select 1;", squawk=True, settings='[lint]\nsquawk_exclude = ["no-such-rule"]\n')


def test_our_syntax_error_wins_over_squawks(lint_sql: LintSql) -> None:
    found = lint_sql("create table private.t (id int;\n", squawk=True)
    assert [f.rule for f in found if "syntax" in f.rule] == ["sql_syntax_error"]


def test_squawk_runs_once_for_all_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    calls: list[list[str]] = []
    real = subprocess.Popen

    def spy(cmd: list[str], *a: object, **kw: object) -> subprocess.Popen[bytes]:
        calls.append(cmd)
        return real(cmd, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess, "Popen", spy)
    project = write_project(tmp_path, {f"2024010100000{i}_m{i}.sql": "create table private.t (id int);"
                                       for i in range(5)})
    found = lint_project(project).findings
    assert len(calls) == 1 and sum(1 for c in calls[0] if c.endswith(".sql")) == 5
    assert len({f.location.file for f in found if f.rule.startswith("squawk/") and f.location}) == 5


def test_missing_squawk_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPAKIT_SQUAWK", str(tmp_path / "nope" / "squawk"))
    with pytest.raises(SquawkMissing, match="squawk-cli not found"):
        find_squawk()
    project = write_project(tmp_path / "p", {"20240101000000_a.sql": "select 1;"})
    with pytest.raises(SquawkMissing):
        lint_project(project)
    assert lint_project(project, squawk=False).files == 1
