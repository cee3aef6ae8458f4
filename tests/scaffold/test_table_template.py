from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.naming import InvalidNameError
from toolkit.scaffold.table import ColumnSpec, TableSpec, parse_column, render_table
from toolkit.sql.split import split_statements


@pytest.mark.parametrize(("spec", "expected"), [
    ("title:text", ColumnSpec("title", "text")),
    ("title:text!", ColumnSpec("title", "text", not_null=True)),
    ("amount:numeric(10,2)!", ColumnSpec("amount", "numeric(10,2)", not_null=True)),
    ("tags:text[]", ColumnSpec("tags", "text[]")),
    ("at:timestamp  with time zone", ColumnSpec("at", "timestamp with time zone")),
    ("org_id:uuid->organisations", ColumnSpec("org_id", "uuid", references=("public", "organisations"))),
    ("org_id:uuid!->organisations", ColumnSpec("org_id", "uuid", True, ("public", "organisations"))),
    ("org_id:uuid->organisations!", ColumnSpec("org_id", "uuid", True, ("public", "organisations"))),
    ("org_id->app.orgs", ColumnSpec("org_id", "uuid", references=("app", "orgs"))),
    ("org_id:->orgs", ColumnSpec("org_id", "uuid", references=("public", "orgs"))),
])
def test_column_specs(spec: str, expected: ColumnSpec) -> None:
    assert parse_column(spec) == expected


@pytest.mark.parametrize("spec", [
    "title", "Title:text", "title:", "x:text; drop table users", "x:text -- c", "x:int references y",
    "x:'text'", "x:uuid->a.b.c", "x:uuid->Orgs", "x:not a type at all",
])
def test_bad_column_specs_are_refused(spec: str) -> None:
    with pytest.raises(InvalidNameError):
        parse_column(spec)


def _statements(sql: str) -> list[str]:
    return [s.kind for s in split_statements(sql)]


def test_owner_scoped_table_has_every_safety_piece() -> None:
    sql = render_table(TableSpec("notes", columns=[parse_column("title:text!"),
                                                   parse_column("org_id:uuid->organisations")]))
    assert "user_id uuid not null default auth.uid() references auth.users (id) on delete cascade" in sql
    assert "alter table public.notes enable row level security;" in sql
    assert "create index notes_user_id_idx on public.notes (user_id);" in sql
    assert "create index notes_org_id_idx on public.notes (org_id);" in sql
    assert "set search_path = ''" in sql and "private.set_updated_at()" in sql
    assert "revoke all on table public.notes from anon, authenticated;" in sql
    assert "grant select, insert, update, delete on table public.notes to authenticated;" in sql
    for command in ("select", "insert", "update", "delete"):
        assert f"create policy notes_{command}_own on public.notes\n  for {command} to authenticated" in sql
    assert sql.count("(select auth.uid()) = user_id") == 5  # select, insert, update ×2, delete
    assert "to anon" not in sql and "using (true)" not in sql
    assert _statements(sql).count("create_policy_stmt") == 4


def test_public_read_and_no_owner_variants() -> None:
    public = render_table(TableSpec("posts", public_read=True))
    assert "grant select on table public.posts to anon;" in public
    assert "for select to anon, authenticated\n  using (true);" in public
    assert "posts_select_own" not in public and "posts_update_own" in public
    shared = render_table(TableSpec("countries", owner_column=None))
    assert "grant select on table public.countries to authenticated;" in shared
    assert "on table public.countries to authenticated" in shared
    assert "insert, update, delete on table public.countries to authenticated" not in shared
    assert _statements(shared).count("create_policy_stmt") == 1


def test_schema_keywords_and_custom_owner_are_quoted_safely() -> None:
    sql = render_table(TableSpec("order", schema="app", owner_column="owner_id"))
    assert 'create table app."order" (' in sql
    assert "owner_id uuid not null" in sql and "(select auth.uid()) = owner_id" in sql
    assert 'create index order_owner_id_idx on app."order" (owner_id);' in sql
    split_statements(sql)  # parses


def test_clashing_columns_are_refused() -> None:
    with pytest.raises(InvalidNameError, match="defined twice"):
        render_table(TableSpec("t", columns=[parse_column("created_at:timestamptz")]))
    with pytest.raises(InvalidNameError, match="clashes"):
        render_table(TableSpec("t", owner_column="id"))


def test_long_table_names_keep_index_and_policy_names_within_63_bytes() -> None:
    name = "a" * 60
    sql = render_table(TableSpec(name, columns=[parse_column(f"{'b' * 50}:uuid->other")]))
    for stmt in split_statements(sql):
        if stmt.kind == "index_stmt":
            assert len(stmt.node.idxname) <= 63
        if stmt.kind == "create_policy_stmt":
            assert len(stmt.node.policy_name) <= 63


def test_template_file_is_deterministic(tmp_path: Path) -> None:
    spec = TableSpec("notes", columns=[parse_column("title:text!")])
    assert render_table(spec) == render_table(spec)


def test_a_key_to_an_owned_parent_is_pinned_in_the_write_checks(tmp_path: Path) -> None:
    from tests.conftest import write_project
    from toolkit.scaffold import build_content

    project = write_project(tmp_path, {
        "20240101000000_projects.sql": "create table public.projects (id uuid primary key, "
                                       "owner uuid not null references auth.users (id), name text);",
        "20240101000001_labels.sql": "create table public.labels (id uuid primary key, name text);\n"
                                     "create table public.tasks (id uuid primary key);",
    })
    sql = build_content("tasks", table="tasks2", schema="public", owner_column="user_id", sql=None,
                        columns=["project_id:uuid!->projects", "label_id->labels", "backup:uuid->projects"],
                        public_read=False, project=project)
    pin = "exists (select 1 from public.projects p where p.id = tasks2.{} and p.owner = (select auth.uid()))"
    insert = sql[sql.index("create policy tasks2_insert_own"):sql.index("create policy tasks2_update_own")]
    update = sql[sql.index("create policy tasks2_update_own"):sql.index("create policy tasks2_delete_own")]
    for policy in (insert, update):
        assert pin.format("project_id") in policy
        assert f"(tasks2.backup is null or {pin.format('backup')})" in policy  # a nullable key may be empty
        assert "labels" not in policy  # nobody owns a label
    assert len(split_statements(sql)) > 0


def test_a_key_to_a_private_parent_is_pinned_to_rows_the_caller_can_read(tmp_path: Path) -> None:
    from tests.conftest import write_project
    from toolkit.scaffold import build_content

    project = write_project(tmp_path, {
        "20240101000000_orgs.sql": (
            "create table public.events (id uuid primary key, org_id uuid not null);\n"
            "alter table public.events enable row level security;\n"
            "create policy events_member on public.events for select to authenticated "
            "using (org_id in (select private.user_org_ids()));\n"
            "create table public.plans (id uuid primary key);\n"
            "alter table public.plans enable row level security;\n"
            "create policy plans_read on public.plans for select to anon, authenticated using (true);\n"
            "create table public.rates (id uuid primary key);\n"
            "alter table public.rates enable row level security;\n"
            "create table public.venues (id uuid primary key);\n"
            "create policy venues_member on public.venues for select using (false);\n"),
    })
    sql = build_content("invoices", table="invoices", schema="public", owner_column="user_id", sql=None,
                        columns=["event_id:uuid!->events", "plan_id:uuid->plans", "rate_id:uuid->rates",
                                 "venue_id:uuid->venues"],
                        public_read=False, project=project)
    insert = sql[sql.index("create policy invoices_insert_own"):sql.index("create policy invoices_update_own")]
    assert "exists (select 1 from public.events p where p.id = invoices.event_id)" in insert
    assert "public.plans" not in insert  # everyone reads plans: the key needs no pin
    assert "public.rates" not in insert  # only the service role reads rates: a pin would refuse every row
    assert "public.venues" not in insert  # RLS never enabled: its policy does not apply
