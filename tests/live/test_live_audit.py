"""`supakit audit --db-url`: a deployed database, read by a role that can only read, gives the same
findings as the throwaway path; every statement runs inside BEGIN READ ONLY; the deployed
exposure (pgrst.db_schemas, default privileges) is used."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.conftest import write_files
from tests.live.conftest import make_auditor, report_json, rule_objects, rules_of, run_cli, url_for
from toolkit.engine.base import Database
from toolkit.engine.url import UrlDatabase

FILES = {
    "20240101000000_core.sql": """
        create table public.notes (
            id bigint generated always as identity primary key,
            owner_id uuid references auth.users (id),
            body text
        );

        create table public.projects (
            id bigint generated always as identity primary key,
            user_id uuid not null references auth.users (id),
            name text
        );
        alter table public.projects enable row level security;
        create policy "anyone writes" on public.projects for insert to anon with check (true);
        create policy "owner reads" on public.projects for select to authenticated using (auth.uid() = user_id);
    """,
    "20240102000000_more.sql": """
        create table public.tags (
            id bigint primary key,
            project_id bigint references public.projects (id)
        );
        alter table public.tags enable row level security;
        create index tags_a on public.tags (project_id, id);
        create index tags_b on public.tags (project_id);

        create function public.whoami() returns uuid language sql security definer
        as $$ select auth.uid() $$;

        create view public.project_names as select id, name from public.projects;

        create table public.logs (msg text);
        alter table public.logs enable row level security;
    """,
}

LIVE_ONLY = ("unused_index", "table_bloat", "extension_outdated")

CLEAN = {"20240101000000_notes.sql": """
    create table public.notes (
        id bigint generated always as identity primary key,
        owner_id uuid not null default auth.uid() references auth.users (id),
        body text
    );
    create index notes_owner_id_idx on public.notes (owner_id);
    alter table public.notes enable row level security;
    create policy "owner reads" on public.notes for select to authenticated
        using ((select auth.uid()) = owner_id);
"""}


def test_live_audit_matches_the_throwaway_path(db: Database, apply_sql: Callable[..., object],
                                               tmp_path: Path) -> None:
    project, _ = apply_sql(db, FILES)  # type: ignore[misc]
    url = make_auditor(db)
    with db.connect(superuser=True) as conn:
        assert conn.execute("select rolsuper, rolinherit, rolconfig from pg_roles where rolname = 'auditor'"
                            ).fetchone() == (False, True, ["default_transaction_read_only=on"])
        assert conn.execute("select count(*) from pg_auth_members m join pg_roles r on r.oid = m.member "
                            "where r.rolname = 'auditor'").fetchone()[0] == 0
    throwaway = report_json(run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--no-probe"))
    live_res = run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url", url)
    live = report_json(live_res)
    expected = rule_objects(throwaway)
    assert {r for r, _ in expected} >= {"rls_disabled", "policy_always_true", "security_definer_view",
                                         "security_definer_function_exposed", "redundant_index",
                                         "unindexed_foreign_key", "rls_no_policy", "no_primary_key"}
    found = rule_objects(live)
    # Only a live database has runtime statistics: no query has scanned either redundant index.
    assert {x for x in found if x[0] in LIVE_ONLY} == {
        ("unused_index", "public.tags_a on public.tags"), ("unused_index", "public.tags_b on public.tags")}
    assert {x for x in found if x[0] not in LIVE_ONLY} == expected
    assert live["info"]["snapshot_queries"] == throwaway["info"]["snapshot_queries"] + 2
    assert live_res.returncode == 1
    assert live["exposure"] == throwaway["exposure"] == "legacy"
    assert live["info"]["engine"] == "url" and live["info"]["user"] == "auditor"
    assert live["info"]["pending"] == []
    assert [c for c in live["coverage"]] == [c for c in throwaway["coverage"]]
    assert not [f for f in live["findings"] if f["rule"] in ("pending_migration", "edited_after_apply",
                                                            "unknown_remote_migration")]
    # with no file to point at, a finding names its object, a policy name with spaces quoted
    text = run_cli("audit", "--project-dir", str(project.root), "--db-url", url).stdout
    assert re.search(r'^  error policy_always_true public\."anyone writes" on public\.projects ', text, re.M), text


def test_clean_project_is_clean_live(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, CLEAN)  # type: ignore[misc]
    res = run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url", make_auditor(db))
    assert res.returncode == 0, res.stdout + res.stderr
    assert report_json(res)["findings"] == []


def test_every_statement_runs_inside_begin_read_only(db: Database, apply_sql: Callable[..., object]) -> None:
    """The server's own statement log shows what the audit sent: reads inside READ ONLY
    transactions, and nothing that writes or makes a temp object."""
    project, _ = apply_sql(db, FILES)  # type: ignore[misc]
    url = make_auditor(db)
    with db.connect(superuser=True) as conn:
        conn.execute("alter role auditor set log_statement = 'all'")
    log = db.cluster.log  # type: ignore[attr-defined]
    start = log.stat().st_size
    res = run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url", url)
    report_json(res)
    text = log.read_text(errors="replace")[start:]
    # simple queries log as "statement:", the snapshot's pipelined ones as "execute <unnamed>:"
    stmts = [m.group(1).strip() for m in re.finditer(r"LOG:  (?:statement|execute [^:\n]*): (.*?)(?=\n\S|\Z)",
                                                     text, re.S)]
    assert len(stmts) >= 10
    in_tx = False
    for s in stmts:
        low = s.lower()
        if low == "begin read only":
            assert not in_tx
            in_tx = True
        elif low in ("commit", "rollback"):
            assert in_tx
            in_tx = False
        else:
            assert in_tx, f"outside a read-only transaction: {s[:80]}"
            code = re.sub(r"'[^']*'", "''", low)
            assert not re.search(r"\b(create|insert|update|delete|alter|drop|grant|revoke|truncate|copy|"
                                 r"into|temp|temporary|lock|vacuum|analyze)\b", code), s[:200]
    assert not in_tx


def test_url_sessions_refuse_writes_even_for_a_superuser(db: Database) -> None:
    live = UrlDatabase(url_for(db, "supabase_admin", None))
    with live.connect() as conn:
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("show statement_timeout").fetchone()[0] == "30s"
        assert conn.execute("show lock_timeout").fetchone()[0] == "2s"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("create table public.should_not_exist (id int)")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), conn.transaction():
            conn.execute("create temp table t (id int)")


def test_url_options_of_the_user_are_kept(db: Database) -> None:
    url = url_for(db, "supabase_admin", None) + "&application_name=mine&options=-c%20work_mem%3D7MB"
    with UrlDatabase(url).connect() as conn:
        assert conn.execute("show work_mem").fetchone()[0] == "7MB"
        assert conn.execute("show application_name").fetchone()[0] == "mine"
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"


def test_sslmode_from_the_url_is_honoured(db: Database, tmp_path: Path) -> None:
    """libpq gets the URL's sslmode (it skips SSL on a unix socket, so the proof is the session's
    own connection options, and a bad value failing as libpq's error)."""
    make_auditor(db)
    with UrlDatabase(url_for(db) + "&sslmode=require").connect() as conn:
        opts = {o.keyword.decode(): (o.val or b"").decode() for o in conn.pgconn.info}
        assert opts["sslmode"] == "require"
    root = write_files(tmp_path / "p", CLEAN)
    res = run_cli("audit", "--project-dir", str(root), "--db-url", url_for(db) + "&sslmode=bogus")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert 'invalid sslmode value: "bogus"' in res.stderr
    assert res.stderr.count("\n") == 1


def test_pgrst_db_schemas_in_the_database_wins_over_config_toml(db: Database, apply_sql: Callable[..., object]) -> None:
    files = {"20240101000000_api.sql": """
        create schema api;
        grant usage on schema api to anon, authenticated;
        create table api.orders (id bigint primary key, total numeric);
        grant select on api.orders to anon;
    """}
    project, _ = apply_sql(db, files)  # type: ignore[misc]
    url = make_auditor(db)
    quiet = report_json(run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url", url))
    assert "rls_disabled" not in rules_of(quiet)
    assert quiet["info"]["exposed_schemas_from"] == "config.toml"
    with db.connect(superuser=True) as conn:
        conn.execute("alter role authenticator set pgrst.db_schemas = 'public, api'")
    loud = report_json(run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url", url))
    assert ("rls_disabled", "api.orders") in rule_objects(loud)
    assert loud["project"]["exposed_schemas"] == ["public", "api"]
    assert loud["info"]["exposed_schemas_from"] == "pgrst.db_schemas"


def test_database_level_pgrst_setting_is_read(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, {"20240101000000_a.sql": "create schema api; grant usage on schema api to anon;\n"
                                "create table api.t (id bigint primary key); grant select on api.t to anon;\n"})  # type: ignore[misc]
    with db.connect(superuser=True) as conn:
        conn.execute("alter database postgres set pgrst.db_schemas = '\"api\"'")
    res = report_json(run_cli("audit", "--project-dir", str(project.root), "--format", "json",
                              "--db-url", make_auditor(db)))
    assert res["project"]["exposed_schemas"] == ["api"]
    assert ("rls_disabled", "api.t") in rule_objects(res)


def test_explicit_settings_schemas_still_win(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, {"20240101000000_a.sql": "create table public.t (id bigint primary key);\n"})  # type: ignore[misc]
    (project.root / "supakit.toml").write_text('schemas = ["public"]\n')
    with db.connect(superuser=True) as conn:
        conn.execute("alter role authenticator set pgrst.db_schemas = 'api'")
    res = report_json(run_cli("audit", "--project-dir", str(project.root), "--format", "json",
                              "--db-url", make_auditor(db)))
    assert res["info"]["exposed_schemas_from"] == "settings"
    assert ("rls_disabled", "public.t") in rule_objects(res)


@pytest.mark.parametrize("mode", ["legacy", "explicit"])
def test_exposure_mode_is_inferred_from_default_privileges(make_db: Callable[..., Database], mode: str,
                                                           tmp_path: Path) -> None:
    d = make_db(exposure=mode)
    root = write_files(tmp_path / "p", CLEAN)
    res = report_json(run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", make_auditor(d)))
    assert res["exposure"] == mode


def test_a_database_without_migration_history_is_an_info_finding(db: Database, tmp_path: Path) -> None:
    with db.connect(superuser=True) as conn:
        conn.execute("create database plain")
    make_auditor(db)
    root = write_files(tmp_path / "p", CLEAN)
    res = run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", url_for(db, dbname="plain"))
    rep = report_json(res)
    assert res.returncode == 0
    hist = [f for f in rep["findings"] if f["rule"] == "migration_history_unavailable"]
    assert len(hist) == 1 and hist[0]["level"] == "info" and "does not exist" in hist[0]["message"]
    assert "pending_migration" not in rules_of(rep)


def test_a_live_audit_outside_any_project_audits_and_says_drift_was_not_checked(
        db: Database, apply_sql: Callable[..., object], public_tmp: Path) -> None:
    apply_sql(db, FILES)
    url = make_auditor(db)
    before = run_cli("audit", "--format", "json", "--db-url", url, "--pending-only", cwd=public_tmp)
    assert before.returncode == 2 and "--pending-only needs the project's supabase/migrations" in before.stderr
    res = run_cli("audit", "--format", "json", "--db-url", url, cwd=public_tmp)
    rep = report_json(res)
    assert res.returncode == 1  # the database's own findings
    assert {"rls_disabled", "policy_always_true"} <= set(rules_of(rep))
    [note] = [f for f in rep["findings"] if f["rule"] == "drift_not_checked"]
    assert note["level"] == "info" and f"no supabase/ folder in {public_tmp}" in note["message"]
    assert not {"unknown_remote_migration", "pending_migration"} & set(rules_of(rep))


def test_history_the_role_may_not_read_is_an_info_finding(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, CLEAN)  # type: ignore[misc]
    url = make_auditor(db, history=False)
    rep = report_json(run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url", url))
    hist = [f for f in rep["findings"] if f["rule"] == "migration_history_unavailable"]
    assert len(hist) == 1 and "permission denied" in hist[0]["message"]


def test_storage_buckets_the_role_cannot_read_do_not_break_the_snapshot(
        db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, {"20240101000000_b.sql": """
        insert into storage.buckets (id, name, public) values ('avatars', 'avatars', false);
    """})  # type: ignore[misc]
    with db.connect(superuser=True) as conn:
        conn.execute("create role auditor2 login")
        conn.execute("grant usage on schema storage to auditor2")
        conn.execute("alter role auditor2 set default_transaction_read_only = on")
    res = run_cli("audit", "--project-dir", str(project.root), "--format", "json",
                  "--db-url", url_for(db, "auditor2", None))
    rep = report_json(res)
    assert res.returncode == 0
    assert rep["info"]["user"] == "auditor2"
