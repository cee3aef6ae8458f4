from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.errors import MigrationError, SupakitError
from toolkit.scaffold import build_content, new_migration, next_version, wrap_sql

NOW = dt.datetime(2026, 3, 14, 15, 9, 26)


def test_version_is_the_utc_clock_when_free() -> None:
    assert next_version([], NOW) == ("20260314150926", [])
    assert next_version(["20250101000000"], NOW) == ("20260314150926", [])


def test_same_second_takes_the_next_free_second(tmp_path: Path) -> None:
    mdir = tmp_path / "migrations"
    a = new_migration(mdir, "first", "select 1;\n", now=NOW)
    b = new_migration(mdir, "second", "select 2;\n", now=NOW)
    c = new_migration(mdir, "first", "select 3;\n", now=NOW)
    assert [a.version, b.version, c.version] == ["20260314150926", "20260314150927", "20260314150928"]
    assert a.path.read_text() == "select 1;\n" and c.path.read_text() == "select 3;\n"
    assert not a.warnings and not b.warnings


def test_a_teammates_file_with_the_same_version_is_never_reused(tmp_path: Path) -> None:
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    theirs = mdir / "20260314150926_their_change.sql"
    theirs.write_text("-- theirs\n")
    mine = new_migration(mdir, "my change", "select 1;\n", now=NOW)
    assert mine.version == "20260314150927"
    assert theirs.read_text() == "-- theirs\n"


def test_the_new_version_sorts_after_every_existing_one_and_warns_on_a_slow_clock(tmp_path: Path) -> None:
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    (mdir / "20270101000000_from_the_future.sql").write_text("")
    (mdir / "20260714_short_version.sql").write_text("")
    made = new_migration(mdir, "later", "select 1;\n", now=NOW)
    assert made.version == "20270101000001"
    assert sorted(p.name for p in mdir.iterdir())[-1] == made.path.name
    assert len(made.warnings) == 1 and "ahead of this machine's UTC clock" in made.warnings[0]


def test_a_burst_of_new_files_does_not_warn(tmp_path: Path) -> None:
    mdir = tmp_path / "m"
    versions = [new_migration(mdir, f"n{i}", "select 1;\n", now=NOW) for i in range(5)]
    assert [v.version[-2:] for v in versions] == ["26", "27", "28", "29", "30"]
    assert not any(v.warnings for v in versions)


def test_refuses_when_no_14_digit_version_can_sort_last(tmp_path: Path) -> None:
    mdir = tmp_path / "m"
    mdir.mkdir()
    (mdir / "99_weird.sql").write_text("")
    with pytest.raises(MigrationError, match="sorts after existing version '99'"):
        new_migration(mdir, "x", "select 1;\n", now=NOW)


def test_never_overwrites_even_a_file_created_with_the_same_name(tmp_path: Path) -> None:
    mdir = tmp_path / "m"
    mdir.mkdir()
    target = mdir / "20260314150926_x.sql"
    target.write_text("precious\n")
    made = new_migration(mdir, "x", "new\n", now=NOW)
    assert target.read_text() == "precious\n" and made.path != target


def test_migrations_folder_is_created_but_a_file_in_its_place_is_an_error(tmp_path: Path) -> None:
    made = new_migration(tmp_path / "supabase" / "migrations", "x", "select 1;\n", now=NOW)
    assert made.path.parent.is_dir()
    blocker = tmp_path / "blocked"
    blocker.write_text("")
    with pytest.raises(MigrationError, match="not a folder"):
        new_migration(blocker, "x", "", now=NOW)


def test_wrapping_sql_and_option_conflicts() -> None:
    assert wrap_sql("select 1;   \n\n") == "select 1;\n"
    with pytest.raises(SupakitError, match="empty"):
        wrap_sql("  \n")
    with pytest.raises(SupakitError, match="only makes sense with --table"):
        build_content("x", table=None, schema="public", owner_column="user_id", columns=["a:int"],
                      public_read=False, sql=None)
    with pytest.raises(SupakitError, match="--table writes its own SQL"):
        build_content("x", table="t", schema="public", owner_column="user_id", columns=[],
                      public_read=False, sql="select 1;")
    body = build_content("Add\nselect 1", table=None, schema="public", owner_column=None, columns=[],
                         public_read=False, sql=None)
    assert body.startswith("-- add_select_1\n") and "\nselect" not in body


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "supabase").mkdir()
    return tmp_path


def _run(project: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["new", *args, "--project-dir", str(project)], input=stdin)
    return r.exit_code, r.stdout, r.stderr


def test_cli_new_prints_the_path_and_writes_the_file(project: Path) -> None:
    code, out, _ = _run(project, "Add User Profiles")
    assert code == 0
    path = project / out.strip()
    assert path.is_file() and path.name.endswith("_add_user_profiles.sql")
    assert path.read_text().startswith("-- add_user_profiles\n")


def test_cli_new_from_stdin_and_sql(project: Path) -> None:
    code, out, _ = _run(project, "from pipe", "--from-stdin", stdin=b"create table t (id int);\n")
    assert code == 0 and (project / out.strip()).read_text() == "create table t (id int);\n"
    code, out, _ = _run(project, "inline", "--sql", "select 1")
    assert code == 0 and (project / out.strip()).read_text() == "select 1\n"
    code, _, err = _run(project, "bad", "--from-stdin", stdin=b"\xff\xfe")
    assert code == 2 and err.count("\n") == 1 and "not valid UTF-8" in err
    code, _, err = _run(project, "both", "--sql", "select 1", "--from-stdin", stdin=b"x")
    assert code == 2 and "not both" in err


@pytest.mark.parametrize(("args", "message"), [
    (["../escape"], "contains '/'"),
    (["a\x00b"], "NUL"),
    (["it's"], "contains"),
    (["!!!"], "no letters or digits"),
    (["x", "--table", "Bad Name"], "not a valid identifier"),
    (["x", "--table", "t", "--column", "c:text; drop table users"], "not a column type"),
    (["x", "--table", "t", "--column", "nocolon"], "expected name:type"),
    (["x", "--table", "t", "--column", "id:uuid"], "defined twice"),
])
def test_cli_new_refuses_bad_input_in_one_line(project: Path, args: list[str], message: str) -> None:
    code, out, err = _run(project, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (project / "supabase" / "migrations").exists() or not any(
        (project / "supabase" / "migrations").iterdir())


def test_cli_new_outside_a_project_is_one_clear_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["new", "x", "--project-dir", str(tmp_path)])
    assert r.exit_code == 2 and "no supabase/ folder" in r.stderr


def test_cli_new_never_overwrites_a_read_only_teammate_file(project: Path) -> None:
    mdir = project / "supabase" / "migrations"
    mdir.mkdir()
    code, out, _ = _run(project, "x")
    first = project / out.strip()
    os.chmod(first, 0o444)
    code, out2, _ = _run(project, "x")
    assert code == 0 and out2 != out and first.read_text().startswith("-- x")
