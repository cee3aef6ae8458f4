"""No hang, no noise: a statement that never ends stops at the statement timeout with file:line and
exit 2, and --keep-going prints nothing but supakit's own lines."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import write_files, write_project
from tests.test_cli_foundation import assert_clean_error, run_cli, warm  # noqa: F401 (a fixture)
from toolkit.apply import apply_migrations
from toolkit.engine.base import Database
from toolkit.errors import ConfigError, MigrationError
from toolkit.migrations import discover
from toolkit.project import parse_statement_timeout


def _apply(db: Database, root: Path, files: dict[str, str], timeout: float) -> None:
    project = write_project(root, files)
    apply_migrations(db, discover(project.migrations_dir, project.root).files, statement_timeout=timeout)


def test_a_statement_that_never_ends_stops_even_with_its_own_timeout_off(db: Database, tmp_path: Path) -> None:
    t0 = time.monotonic()
    with pytest.raises(MigrationError) as e:  # pg_dump output starts with `SET statement_timeout = 0`
        _apply(db, tmp_path, {"20240101000000_a.sql": "set statement_timeout = 0;\nselect pg_sleep(1e6);\n"}, 1)
    assert time.monotonic() - t0 < 15
    assert str(e.value).startswith("supabase/migrations/20240101000000_a.sql:2:1: the statement did not finish "
                                   "within 1 s and was cancelled")


def test_a_lock_wait_stops_at_the_timeout(db: Database, tmp_path: Path) -> None:
    with db.connect() as conn:
        conn.execute("create table public.busy (id int)")
    with db.connect(superuser=True, autocommit=False) as holder:
        holder.execute("lock table public.busy in access exclusive mode")
        with pytest.raises(MigrationError, match=r"_a\.sql:3:1: the statement did not finish within"):
            _apply(db, tmp_path, {"20240101000000_a.sql": "-- waits for the lock held above\n\n"
                                  "alter table public.busy add column note text;\n"}, 1)
        holder.rollback()


def test_timeouts_read_like_postgres_durations() -> None:
    assert [parse_statement_timeout(v) for v in (90, "90", "90s", "2min", "500ms", "1h", 0)] == \
        [90.0, 90.0, 90.0, 120.0, 0.5, 3600.0, 0.0]
    for bad in ("soon", "-1", -5, True, [1]):
        with pytest.raises(ValueError):
            parse_statement_timeout(bad)


@pytest.mark.usefixtures("warm")
def test_cli_timeout_exits_2_with_file_line(tmp_path: Path, public_tmp: Path) -> None:
    write_files(tmp_path, {"20240101000000_a.sql": "-- left in by mistake\nselect pg_sleep(1e6);\n"})
    res = run_cli("audit", "--project-dir", str(tmp_path), "--no-probe", "--statement-timeout", "1s",
                  env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert_clean_error(res, r"20240101000000_a\.sql:2:1: the statement did not finish within 1 s")


def test_bad_timeouts_are_one_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"20240101000000_a.sql": "select 1;\n"}, settings='statement_timeout = "soon"\n')
    res = run_cli("audit", "--project-dir", str(tmp_path), "--no-probe")
    assert_clean_error(res, r"supakit\.toml: statement_timeout 'soon' is not a duration")
    res = run_cli("probe", "--project-dir", str(tmp_path), "--statement-timeout", "later")
    assert res.returncode == 2 and "Traceback" not in res.stderr and "not a duration" in res.stderr
    with pytest.raises(ConfigError):
        from toolkit.project import statement_timeout_setting

        statement_timeout_setting("later", None)


@pytest.mark.usefixtures("warm")
def test_keep_going_prints_no_library_warnings(tmp_path: Path, public_tmp: Path) -> None:
    """A failure early in a long run of DDL used to leave psycopg's 'error ignored terminating
    <psycopg.Pipeline ...>: pipeline aborted' on stderr."""
    body = "create table public.a (id int);\ncreate table public.a (id int);\n" + "".join(
        f"create table public.t{i} (id int);\n" for i in range(3000))
    write_files(tmp_path, {"20240101000000_a.sql": body, "20240101000001_b.sql": "create table public.b (id int);\n"})
    res = run_cli("audit", "--project-dir", str(tmp_path), "--no-probe", "--keep-going",
                  env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert res.returncode == 1, res.stderr
    assert "_a.sql:2:1" in res.stdout and 'relation "a" already exists' in res.stdout
    assert [line for line in res.stderr.splitlines() if not line.startswith("supakit")] == []


def test_one_message_whichever_limit_fires_first(db: Database, tmp_path: Path) -> None:
    """The server's statement_timeout and supakit's watchdog share one limit and race; the user
    reads the same words whichever wins. Here the server wins (a pipeline of three statements
    gets three times the limit from the watchdog), then the watchdog (the file turned the
    server's limit off)."""
    messages = []
    for i, (name, sql) in enumerate([
        ("server", "create table public.a (x int);\ncreate table public.b (x int);\n"
                   "insert into public.a select 1 from pg_sleep(30);\n"),
        ("watchdog", "set statement_timeout = 0;\nselect pg_sleep(30);\n"),
    ]):
        with pytest.raises(MigrationError) as e:
            _apply(db, tmp_path / name, {f"2024010100000{i}_{name}.sql": sql}, 1)
        messages.append(str(e.value).split(": ", 1)[1])
    assert messages[0] == messages[1]
    assert messages[0].startswith("the statement did not finish within 1 s and was cancelled")


def test_a_limit_the_migration_set_itself_is_named_as_such(db: Database, tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="within the statement_timeout this migration set"):
        _apply(db, tmp_path, {"20240101000000_own.sql": "set statement_timeout = '200ms';\nselect pg_sleep(30);\n"}, 60)
