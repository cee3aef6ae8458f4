"""The parts of `supakit diff` that need no database: which statements lose data, which files are
declared and in what order, which schemas may be compared, and the gaps rule on snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.diff.declared import declared_schemas
from toolkit.diff.destructive import classify
from toolkit.diff.differ import Inspected, is_user_schema, scope_for
from toolkit.diff.gaps import not_expressed
from toolkit.errors import ConfigError, SupakitError
from toolkit.model import Level, Snapshot, Table
from toolkit.sql.split import split_statements

TYPES = {("public", "t", "a"): ("character varying(10)", "character varying(20)"),
         ("public", "t", "b"): ("integer", "bigint"),
         ("public", "t", "c"): ("text", "character varying(5)"),
         ("public", "t", "d"): ("numeric(10,2)", "numeric(12,2)")}


def why(sql: str) -> list[str]:
    (stmt,) = split_statements(sql)
    return [d.why for d in classify(stmt, "new.sql", lambda *k: TYPES.get(k, (None, None))[0],
                                    lambda *k: TYPES.get(k, (None, None))[1])]


@pytest.mark.parametrize(("sql", "loses"), [
    ('drop table "public"."t";', "drops a table"),
    ('alter table "public"."t" drop column "x";', "drops column x"),
    ('alter table "public"."t" alter column "b" set data type bigint using "b"::bigint;', "from integer to bigint"),
    ('alter table "public"."t" alter column "c" set data type varchar(5) using "c"::varchar(5);', "from text"),
    ('drop schema if exists "old";', "drops a schema"),
    ("delete from public.t;", "deletes rows"),
])
def test_statements_that_lose_data(sql: str, loses: str) -> None:
    assert any(loses in w for w in why(sql)), why(sql)


@pytest.mark.parametrize("sql", [
    'alter table "public"."t" alter column "a" set data type varchar(20) using "a"::varchar(20);',
    'alter table "public"."t" alter column "d" set data type numeric(12,2) using "d"::numeric(12,2);',
    'drop policy "p" on "public"."t";', 'drop view if exists "public"."v";', 'drop index if exists "public"."i";',
    'alter table "public"."t" add column "z" text;', 'drop function if exists "public"."f"();',
])
def test_statements_that_keep_data(sql: str) -> None:
    assert why(sql) == []


def test_declared_files_follow_schema_paths_then_lexical_order(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {}, config='[db.migrations]\nschema_paths = ["./schemas/b/*.sql", "./schemas/**/*.sql"]\n')
    sdir = project.supabase_dir / "schemas"
    for rel in ("a/2.sql", "a/1.sql", "b/z.sql", "b/y.sql"):
        (sdir / rel).parent.mkdir(parents=True, exist_ok=True)
        (sdir / rel).write_text("select 1;")
    (project.supabase_dir / "roles.sql").write_text("create role reader;")
    declared = declared_schemas(project)
    assert declared.roles is not None and declared.roles.rel == "supabase/roles.sql"
    assert [f.rel.removeprefix("supabase/schemas/") for f in declared.files] == ["b/y.sql", "b/z.sql", "a/1.sql", "a/2.sql"]


def test_nothing_declared_is_a_clear_error(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {})
    with pytest.raises(ConfigError, match="nothing declared to diff: supabase/schemas/ holds no .sql file"):
        declared_schemas(project)


def test_bad_schema_paths_is_a_config_error(tmp_path: Path) -> None:
    from toolkit.project import find_project

    root = tmp_path / "p"
    write_project(root, {})
    (root / "supabase" / "config.toml").write_text('[db.migrations]\nschema_paths = "schemas"\n')
    with pytest.raises(ConfigError, match="schema_paths must be a list"):
        find_project(root)


def test_supabase_schemas_are_never_compared_in_full() -> None:
    assert [s for s in ("public", "private", "app") if is_user_schema(s)] == ["public", "private", "app"]
    assert not any(is_user_schema(s) for s in ("auth", "storage", "extensions", "graphql_public", "supabase_functions",
                                               "pgsodium_masks", "vault", "net", "cron", "realtime", "pg_toast"))
    side = Inspected(None, ("public", "private"))
    scope = scope_for(side, side, ["public", "storage"])
    assert (scope.user, scope.managed) == (("public",), ("storage",))
    with pytest.raises(SupakitError, match="--schema extensions: Supabase manages that schema"):
        scope_for(side, side, ["extensions"])


def _view(invoker: bool) -> Table:
    return Table("public", "v", "v", "public.v", security_invoker=invoker,
                 privileges={"authenticated": ("select",)})


def test_gap_rule_fires_when_a_view_option_is_left_behind() -> None:
    (finding,) = not_expressed(Snapshot(tables=(_view(False),)), Snapshot(tables=(_view(True),)), {"public"}, None)
    assert finding.rule == "diff_not_expressed" and finding.level is Level.ERROR
    assert "alter view public.v set (security_invoker = true);" in finding.remediation


def test_gap_rule_is_quiet_when_both_sides_agree_or_the_schema_is_not_compared() -> None:
    assert not_expressed(Snapshot(tables=(_view(True),)), Snapshot(tables=(_view(True),)), {"public"}, None) == []
    assert not_expressed(Snapshot(tables=(_view(False),)), Snapshot(tables=(_view(True),)), {"app"}, None) == []


def test_a_missing_differ_is_one_clear_line(tmp_path: Path) -> None:
    """Without the `diff` extra the command says how to install it, before starting anything."""
    import subprocess
    import sys

    project = write_project(tmp_path / "p", {})
    code = ("import sys; sys.modules['migra'] = None\n"  # an import of migra now fails, as when absent
            "import importlib.util as u; real = u.find_spec\n"
            "u.find_spec = lambda name, *a: None if name == 'migra' else real(name, *a)\n"
            "from toolkit.cli import main\n"
            f"main(['diff', 'x', '--project-dir', {str(project.root)!r}])")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.strip() == ("supakit: error: supakit diff needs its differ (migra): pip install "
                                  "'supakit[diff]' (or `make setup` in a checkout) (migra not installed)")
