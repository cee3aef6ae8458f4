"""Every lint rule fires on the mistake it is about and stays quiet on the correct form."""

from __future__ import annotations

import pytest

from tests.lint.conftest import LintSql
from toolkit.model import Level

# (rule, SQL that must fire, SQL that must stay quiet)
CASES: list[tuple[str, str, str]] = [
    ("table_without_rls",
     "create table public.notes (id uuid primary key);",
     "create table public.notes (id uuid primary key);\nalter table public.notes enable row level security;"),
    ("table_without_rls",
     "create table notes (id int);\nalter table other enable row level security;",
     "create table notes (id int);\nalter table only public.notes enable row level security;"),
    ("table_without_rls",
     "create table public.copy as select 1 as x;",
     "create table private.copy as select 1 as x;"),
    ("table_without_rls",
     "set search_path = public;\ncreate table t (id int);",
     "set search_path = private, public;\ncreate table t (id int);"),
    ("table_without_rls",
     "create table public.p (id int) partition by range (id);",
     "create temporary table scratch (id int);\ncreate table public.gone (id int);\ndrop table public.gone;"),
    ("policy_without_to",
     "create policy p on public.t for select using (true);",
     "create policy p on public.t for select to authenticated using (true);"),
    ("policy_without_to",
     "create policy p on public.t for select to public, authenticated using (true);",
     "create policy p on public.t as restrictive for all using (auth.uid() is not null);"),
    ("policy_without_to",
     "alter policy p on public.t to public;",
     "alter policy p on public.t using (true);"),
    ("rls_disabled_statement",
     "alter table public.t disable row level security;",
     "alter table public.t enable row level security;\nalter table public.t no force row level security;"),
    ("security_definer_without_search_path",
     "create function public.f() returns int language sql security definer as $$ select 1 $$;",
     "create function public.f() returns int language sql security definer set search_path = '' "
     "as $$ select 1 $$;"),
    ("security_definer_without_search_path",
     "create procedure p() language sql security definer set search_path to default as $$ select 1 $$;",
     "create function f() returns int language sql security invoker as $$ select 1 $$;\n"
     "create function g() returns int language sql security definer set search_path from current "
     "as $$ select 1 $$;"),
    ("transaction_control_in_migration",
     "begin;\ncreate table private.t (id int);\ncommit;",
     "create table private.t (id int);\nsavepoint s;\nrelease savepoint s;\n"
     "do $$ begin perform 1; end $$;"),
    ("transaction_control_in_migration",
     "create table private.t (id int);\nrollback;",
     "create function f() returns int language sql begin atomic select 1; end;"),
    ("concurrently_in_multi_statement_file",
     "create table private.t (id int);\ncreate index concurrently t_id on private.t (id);",
     "create index concurrently t_id on private.t (id);"),
    ("concurrently_in_multi_statement_file",
     "drop index concurrently private.i;\nselect 1;",
     "drop index private.i;\nselect 1;"),
    ("concurrently_in_multi_statement_file",
     "reindex index concurrently private.i;\nselect 1;",
     "reindex index private.i;\nselect 1;"),
    ("concurrently_in_multi_statement_file",
     "alter table private.p detach partition private.c concurrently;\nselect 1;",
     "alter table private.p detach partition private.c;\nselect 1;"),
    ("enum_value_used_in_same_file",
     "alter type public.status add value 'archived';\nupdate public.t set s = 'archived'::status;",
     "alter type public.status add value 'archived';\nupdate public.t set s = 'active'::status;"),
    ("enum_value_used_in_same_file",
     "alter type status add value 'archived';\ninsert into t (s) values ('archived');",
     "alter type status add value 'archived';\nalter type status add value 'gone' after 'archived';\n"
     "comment on type status is 'archived';"),
    ("identifier_not_snake_case",
     'create table public."UserProfiles" (id int);',
     "create table public.UserProfiles (id int);"),  # unquoted: Postgres folds it to lower case
    ("identifier_not_snake_case",
     'alter table t add column "firstName" text;',
     "alter table t add column first_name text;"),
    ("identifier_not_snake_case",
     'create index "Idx" on t (a);',
     "create index t_a_idx on t (a);"),
    ("identifier_not_snake_case",
     'create function public."getUser"() returns int language sql as $$ select 1 $$;',
     "create function public.get_user() returns int language sql as $$ select 1 $$;"),
    ("identifier_not_snake_case",
     "create type \"Mood\" as enum ('sad', 'ok');",
     "create type mood as enum ('Sad', 'OK');"),
    ("identifier_not_snake_case",
     'alter table t rename column a to "B";',
     "alter table t rename column a to b;"),
    ("migration_empty", "-- nothing yet\n", "select 1;"),
    ("migration_empty", "", "-- note\nselect 1;"),
    ("sql_syntax_error", "create tabel t (id int);", "create table private.t (id int);"),
    ("secret_in_migration",
     "-- connect with postgres://app:Tr0ub4dor-3@db.example.com:5432/app\nselect 1;",
     "-- connect with postgres://app:[YOUR-PASSWORD]@db.example.com:5432/app\nselect 1;"),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_and_stays_quiet(lint_sql: LintSql, rule: str, bad: str, good: str) -> None:
    assert lint_sql(bad, rule=rule), f"{rule} did not fire on:\n{bad}"
    assert lint_sql(good, rule=rule) == [], f"{rule} fired on:\n{good}"


@pytest.mark.parametrize(("name", "fires"), [
    ("20240101000000_add_profiles.sql", False),
    ("20240101000000_Add-Profiles.sql", True),
    ("20240230000000_bad_date.sql", True),
    ("20240101_short.sql", True),
    ("1_tiny.sql", True),
])
def test_migration_file_name(lint_sql: LintSql, name: str, fires: bool) -> None:
    found = lint_sql({name: "select 1;"}, rule="migration_file_name")
    assert bool(found) == fires
    if fires and name.startswith("20240101000000"):
        assert "20240101000000_add_profiles.sql" in found[0].remediation


def test_locations_point_at_the_offending_token(lint_sql: LintSql) -> None:
    sql = ("-- header\n"
           "create table public.ok (id int);\n"
           "alter table public.ok enable row level security;\n"
           "\n"
           "create table   public.\"Bad Name\" (\n"
           "  id int,\n"
           "  \"camelCase\" text\n"
           ");\n")
    naming = lint_sql(sql, rule="identifier_not_snake_case")
    assert [(f.location.line, f.location.column) for f in naming if f.location] == [(5, 16), (7, 3)]
    rls = lint_sql(sql, rule="table_without_rls")
    assert len(rls) == 1 and rls[0].location and rls[0].location.line == 5
    assert rls[0].object.name == "Bad Name" and rls[0].level is Level.ERROR


def test_syntax_error_reports_the_position_and_other_rules_still_see_the_text(lint_sql: LintSql) -> None:
    found = lint_sql({
        "20240101000000_a.sql": "create table public.a (id int);\n\nselect from where;\n-- sk_live_"
                                + "a1B2c3D4e5F6g7H8i9J0k1L2\n",
        "20240101000001_b.sql": "create table public.b (id int);\n",
    })
    by_rule = {(f.rule, f.location.file.rsplit("/", 1)[-1]) for f in found if f.location}
    assert ("sql_syntax_error", "20240101000000_a.sql") in by_rule
    assert ("secret_in_migration", "20240101000000_a.sql") in by_rule
    assert ("table_without_rls", "20240101000001_b.sql") in by_rule
    syntax = next(f for f in found if f.rule == "sql_syntax_error")
    assert syntax.location and (syntax.location.line, syntax.location.column) == (3, 13)
    assert "where" in syntax.message


def test_rls_disabled_outside_exposed_schemas_is_a_warning(lint_sql: LintSql) -> None:
    [f] = lint_sql("alter table private.t disable row level security;", rule="rls_disabled_statement")
    assert f.level is Level.WARN
    [g] = lint_sql("alter table t disable row level security;", rule="rls_disabled_statement")
    assert g.level is Level.ERROR


def test_exposed_schemas_come_from_config_toml(lint_sql: LintSql) -> None:
    config = '[api]\nschemas = ["public", "api"]\n'
    assert lint_sql("create table api.t (id int);", rule="table_without_rls", config=config)
    assert not lint_sql("create table api.t (id int);", rule="table_without_rls")


def test_enum_use_through_a_plain_literal_is_only_a_warning(lint_sql: LintSql) -> None:
    [cast] = lint_sql("alter type s add value 'x';\nselect 'x'::s;", rule="enum_value_used_in_same_file")
    [plain] = lint_sql("alter type s add value 'x';\nselect 'x';", rule="enum_value_used_in_same_file")
    assert cast.level is Level.ERROR and plain.level is Level.WARN
    assert cast.location and cast.location.line == 2


def test_inline_ignore_on_or_above_the_statement(lint_sql: LintSql) -> None:
    sql = ("-- supakit-ignore: table_without_rls -- scratch table, dropped next release\n"
           "create table public.a (id int);\n"
           "create table public.b (id int); -- supakit-ignore: table_without_rls -- log table\n"
           "create table public.c (id int);\n"
           "-- supakit-ignore: table_without_rls\n"
           "create table public.d (id int);\n")
    found = {f.object.name: f.suppressed_by for f in lint_sql(sql, rule="table_without_rls")}
    assert found == {"a": "inline", "b": "inline", "c": None, "d": None}  # d: no reason, no effect


def test_disable_setting_switches_our_rules_off(lint_sql: LintSql) -> None:
    settings = '[lint]\ndisable = ["table_without_rls"]\n'
    found = lint_sql("create table public.t (id int);", settings=settings)
    assert not [f for f in found if f.rule == "table_without_rls"]


@pytest.mark.parametrize(("settings", "message"), [
    ('[lint]\ndisable = ["table_without_rsl"]\n', "did you mean 'table_without_rls'"),
    ('[lint]\nsquawk_exclud = []\n', "did you mean 'squawk_exclude'"),
    ('[lint]\nsquawk = "yes"\n', "true or false"),
    ('[lint]\nsquawk_include = "require-lock-timeout"\n', "list of rule names"),
])
def test_bad_lint_settings_are_one_clear_error(lint_sql: LintSql, settings: str, message: str) -> None:
    from toolkit.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        lint_sql("select 1;", settings=settings)


def test_table_without_rls_judges_the_folder_as_one_history(lint_sql: LintSql) -> None:
    files = {
        "20240101000000_tables.sql": "create table public.notes (id int);\ncreate table public.logs (id int);\n",
        "20240105000000_secure.sql": "alter table public.notes enable row level security;\n",
    }
    found = {f.object.name: f for f in lint_sql(files, rule="table_without_rls")}
    assert found["notes"].level is Level.INFO
    assert "supabase/migrations/20240105000000_secure.sql enables it later" in found["notes"].message
    assert found["notes"].evidence["enabled_in"] == "supabase/migrations/20240105000000_secure.sql"
    assert found["logs"].level is Level.ERROR  # no file ever enables it


def test_table_without_rls_judges_a_strict_file_on_its_own(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_project
    from toolkit.lint import lint_project

    project = write_project(tmp_path, {
        "20240101000000_tables.sql": "create table public.notes (id int);\n",
        "20240105000000_secure.sql": "alter table public.notes enable row level security;\n",
    })
    strict = frozenset({"supabase/migrations/20240101000000_tables.sql"})
    [f] = [f for f in lint_project(project, squawk=False, strict=strict).findings if f.rule == "table_without_rls"]
    assert f.level is Level.ERROR


def test_table_without_rls_knows_an_event_trigger_that_enables_rls(lint_sql: LintSql) -> None:
    guard = """
create table public.before_guard (id int);
create function private.rls_auto_enable() returns event_trigger language plpgsql as $$
begin
  execute 'alter table x enable row level security';
end $$;
create event trigger ensure_rls on ddl_command_end execute function private.rls_auto_enable();
"""
    found = {f.object.name: f for f in lint_sql({
        "20240101000000_guard.sql": guard,
        "20240102000000_tables.sql": "create table public.after_guard (id int);\n",
    }, rule="table_without_rls")}
    assert found["before_guard"].level is Level.ERROR  # created before the guard existed
    after = found["after_guard"]
    assert after.level is Level.INFO and after.evidence["event_trigger"] == "ensure_rls"
    assert "supabase/migrations/20240101000000_guard.sql:6:1" in after.message  # the create event trigger
