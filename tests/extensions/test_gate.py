"""How create extension is decided: real, privileged, stub, absent or a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.conftest import write_files
from tests.extensions.conftest import EVERY_STUB, query
from tests.test_cli_foundation import assert_clean_error, run_cli
from toolkit import extensions
from toolkit.errors import MigrationError
from toolkit.extensions import Stub


def test_a_packaged_extension_wins_over_a_stub(db, apply_sql, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake = Stub("citext", "9.9", None, True, "x", "y", "-- supakit stub: citext\ncreate domain @extschema@.citext as text;\n")
    monkeypatch.setattr(extensions, "stubs", lambda: {**extensions.stubs.__wrapped__(), "citext": fake})
    _, result = apply_sql(db, {"20240101000000_a.sql": "create extension citext with schema extensions;\n"})
    assert result.stubbed_extensions == []
    assert query(db, "select extversion <> '9.9', (select typtype from pg_type where oid = 'extensions.citext'::regtype) "
                     "from pg_extension where extname = 'citext'") == [(True, "b")]


def test_untrusted_packaged_extensions_are_created_for_postgres_like_supautils(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {"20240101000000_a.sql": """
        create extension moddatetime with schema extensions;
        create extension postgres_fdw;
        create server other_db foreign data wrapper postgres_fdw options (host 'localhost', dbname 'other');
        create extension earthdistance cascade;
        create table public.notes (id int primary key, updated_at timestamptz);
        create trigger notes_touch before update on public.notes
            for each row execute procedure extensions.moddatetime(updated_at);
        drop extension moddatetime cascade;
    """})
    assert result.complete and result.stubbed_extensions == []
    owners = dict(query(db, "select extname, extowner::regrole::text from pg_extension "
                            "where extname in ('postgres_fdw', 'earthdistance', 'cube')"))
    assert owners == {"postgres_fdw": "postgres", "earthdistance": "postgres", "cube": "postgres"}


def test_extensions_supabase_does_not_allow_stay_refused(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError, match=r'_a\.sql:1:1: permission denied to create extension "adminpack"'):
        apply_sql(db, {"20240101000000_a.sql": "create extension adminpack;\n"})


def test_unknown_extension_is_one_clear_error_at_file_line_col(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError) as err:
        apply_sql(db, {"20240101000000_a.sql": "select 1;\n\n  create extension if not exists timescaledb with schema extensions;\n"})
    msg = str(err.value)
    assert msg.startswith('supabase/migrations/20240101000000_a.sql:3:3: extension "timescaledb" is not available '
                          "on this PostgreSQL; install it (e.g. apt-get install postgresql-15-timescaledb)")
    assert "absent_extensions" in msg and "\n" not in msg


def test_absent_extensions_are_skipped_and_reported(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from toolkit.apply import apply_migrations
    from toolkit.migrations import discover
    from toolkit.project import find_project

    root = write_files(tmp_path, {"20240101000000_a.sql": "create extension if not exists timescaledb;\nselect 1;\n"},
                       settings='absent_extensions = ["timescaledb"]\n')
    project = find_project(root)
    assert project.settings["absent_extensions"] == ["timescaledb"]
    result = apply_migrations(db, discover(project.migrations_dir, root).files, absent_extensions=["timescaledb"])
    assert result.complete and result.skipped_statements == [
        "supabase/migrations/20240101000000_a.sql:1:1: skipped create extension timescaledb (listed in absent_extensions)"]


def test_the_helpers_refuse_what_supabase_refuses(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    apply_sql(db, {"20240101000000_a.sql": "create extension vector;\n"
                                           "create extension wrappers with schema extensions;\n"})
    with db.connect() as conn:
        with pytest.raises(psycopg.Error, match='supakit has no stub for extension "evil"'):
            conn.execute("select supakit.install_stub('evil', 'public', 'public')")
        with pytest.raises(psycopg.Error, match='permission denied to create extension "file_fdw"'):
            conn.execute("select supakit.create_extension('file_fdw', 'public', 'public')")
        conn.execute("create function public.my_validator(text[], oid) returns void language plpgsql "
                     "as 'begin end'")
        with pytest.raises(psycopg.Error, match="A handler must be specified"):
            conn.execute("select supakit.create_fdw('w', null, 'public.my_validator(text[], oid)'::regprocedure)")
        with pytest.raises(psycopg.Error, match="must both be owned by the same extension"):
            conn.execute("select supakit.create_fdw('w', 'extensions.stripe_fdw_handler()'::regprocedure, "
                         "'public.my_validator(text[], oid)'::regprocedure)")
        # the helpers that take any statement or lend rights want the applier's key
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="for supakit's applier only"):
            conn.execute("select supakit.run_privileged('guess', 'alter role postgres superuser', '', '', '')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="for supakit's applier only"):
            conn.execute("select supakit.platform_rights('guess', true)")
        digests = conn.execute("select encode(digest, 'hex') from supakit.helper_keys").fetchall()
        for (digest,) in digests:  # postgres reads every table (pg_read_all_data): only digests are there
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select supakit.platform_rights(%s, true)", (digest,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # or a migration could run SQL as superuser
            conn.execute("update supakit.extension_stubs set script = 'select 1'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(db, "select supakit.install_stub('vector', 'public', 'public')", role="authenticated")


def test_postgres_creates_foreign_data_wrappers_like_on_supabase(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {"20240101000000_a.sql": """
        create extension wrappers with schema extensions;
        create foreign data wrapper airtable_wrapper handler airtable_fdw_handler
            validator airtable_fdw_validator options (wrapper 'AirtableFdw');
        create server airtable_server foreign data wrapper airtable_wrapper options (api_key 'x');
    """})
    assert result.complete
    assert query(db, "select fdwoptions from pg_foreign_data_wrapper where fdwname = 'airtable_wrapper'") \
        == [(["wrapper=AirtableFdw"],)]


def test_audit_reports_no_stub_object_and_still_reports_user_objects(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    from toolkit.audit import audit_snapshot
    from toolkit.catalog import take_snapshot

    stubs_in_public = EVERY_STUB.replace("with schema extensions", "with schema public")
    _, result = apply_sql(db, {
        "20240101000000_stubs.sql": stubs_in_public,
        "20240101000001_user.sql": """
            create function public.leaky() returns int language sql security definer as 'select 1';
        """,
    })
    with db.connect() as conn:
        snapshot = take_snapshot(conn, exposed_schemas=("public", "graphql_public"))
    stub_names = {f.name for f in snapshot.functions if f.extension in result.stubbed_extensions}
    assert {"l2_distance", "http_get", "sign", "stripe_fdw_handler"} <= stub_names
    findings = audit_snapshot(snapshot, source_map=result.source_map).findings
    about_stubs = [f for f in findings
                   if f.object.type != "extension" and f.object.name.split("(")[0] in stub_names]
    assert about_stubs == []
    in_public = {f.object.name for f in findings if f.rule == "extension_in_public"}
    assert {"vector", "pgjwt", "http", "wrappers"} <= in_public
    lines = {f.object.name: f.location.line for f in findings if f.rule == "extension_in_public" and f.location}
    assert lines["vector"] == 1 and lines["pgjwt"] == 5
    assert any(f.object.name.split("(")[0] == "leaky" for f in findings)


def test_cli_unknown_extension_exits_2_with_one_line(tmp_path: Path, public_tmp: Path) -> None:
    write_files(tmp_path, {"20240101000000_a.sql": "create extension vector;\ncreate extension pg_hashids;\n"})
    res = run_cli("audit", "--project-dir", str(tmp_path), "--no-probe", env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert_clean_error(res, r'supabase/migrations/20240101000000_a\.sql:2:1: extension "pg_hashids" is not '
                            r"available on this PostgreSQL; install it \(e\.g\. apt-get install postgresql-15-pg-hashids\)")


def test_cli_keep_going_audits_what_applied_and_says_the_database_is_incomplete(
        tmp_path: Path, public_tmp: Path) -> None:
    write_files(tmp_path, {
        "20240101000000_ok.sql": """
            create extension vector with schema extensions;
            create table public.docs (id int primary key, embedding extensions.vector(3));
        """,
        "20240101000001_broken.sql": "create extension pg_hashids;\ncreate table public.lost (id int);\n",
        "20240101000002_more.sql": "create table public.open_notes (id int primary key);\n",
    })
    res = run_cli("audit", "--project-dir", str(tmp_path), "--no-probe", "--keep-going", "--format", "json",
                  env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert res.returncode == 1 and res.stdout, res.stderr
    report = json.loads(res.stdout)
    assert report["summary"]["incomplete"] is True
    assert report["info"]["stubbed_extensions"] == ["vector"]
    assert any("20240101000001_broken.sql:1:1: extension \"pg_hashids\" is not available" in x
               for x in report["info"]["failures"])
    tables = {c["table"] for c in report["coverage"]}
    assert tables == {"docs", "open_notes"}
    text = run_cli("audit", "--project-dir", str(tmp_path), "--no-probe", "--keep-going",
                   env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert "DATABASE INCOMPLETE" in text.stdout
    assert "stubbed extensions (SQL stand-ins, see docs/extensions.md): vector" in text.stdout


def test_a_stub_error_points_at_the_create_extension_statement(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError, match=r'_a\.sql:2:3: schema "nope" does not exist$'):
        apply_sql(db, {"20240101000000_a.sql": "select 1;\n  create extension vector with schema nope;\n"})


def test_cli_absent_extensions_setting_skips_and_reports(tmp_path: Path, public_tmp: Path) -> None:
    write_files(tmp_path, {"20240101000000_a.sql": "create extension if not exists timescaledb;\n"
                                                   "create table public.t (id int primary key);\n"
                                                   "alter table public.t enable row level security;\n"},
                settings='absent_extensions = ["timescaledb"]\n')
    res = run_cli("audit", "--project-dir", str(tmp_path), "--no-probe", "--format", "json",
                  env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert res.returncode in (0, 1) and res.stdout, res.stderr
    info = json.loads(res.stdout)["info"]
    assert info["incomplete"] is False and info["stubbed_extensions"] == []
    assert info["skipped_statements"] == ["supabase/migrations/20240101000000_a.sql:1:1: skipped create "
                                          "extension timescaledb (listed in absent_extensions)"]
    bad = write_files(tmp_path / "bad", {"20240101000000_a.sql": "select 1;\n"}, settings='absent_extensions = "x"\n')
    assert_clean_error(run_cli("audit", "--project-dir", str(bad), "--no-probe", env={"SUPAKIT_TMPDIR": str(public_tmp)}),
                       r"absent_extensions must be a list of extension names")
