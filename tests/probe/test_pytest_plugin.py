"""The pytest plugin, used the way a team would: a project folder, a test file, `pytest`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import write_files

NOTES = """
create table public.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  body text not null
);
alter table public.notes enable row level security;
create policy notes_own on public.notes for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null
);
alter table public.profiles enable row level security;
create function public.handle_new_user() returns trigger language plpgsql security definer
set search_path = '' as $$
begin
  insert into public.profiles (id, display_name)
  values (new.id, coalesce(new.raw_user_meta_data ->> 'display_name', new.email));
  return new;
end
$$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();
"""

# The worked example of docs/pytest-plugin.md, kept identical by test_docs_example_is_this_file.
TESTS = '''
import psycopg
import pytest


def test_users_only_see_their_own_notes(make_user, as_user):
    alice = make_user("alice@example.com")
    bob = make_user("bob@example.com")
    with as_user(alice) as db:
        db.execute("insert into notes (body) values ('buy milk')")
    with as_user(bob) as db:
        assert db.execute("select count(*) from notes").fetchone()[0] == 0
    with as_user(alice) as db:
        assert db.execute("select body from notes").fetchall() == [("buy milk",)]


def test_nobody_writes_in_someone_elses_name(make_user, as_user):
    alice, bob = make_user(), make_user()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with as_user(bob) as db:
            db.execute("insert into notes (user_id, body) values (%s, 'hi')", [alice.id])


def test_anon_sees_nothing(make_user, as_user, as_anon):
    with as_user(make_user()) as db:
        db.execute("insert into notes (body) values ('draft')")
    with as_anon() as db:
        assert db.execute("select count(*) from notes").fetchone()[0] == 0


def test_sign_up_creates_a_profile(make_user, supabase_conn):
    alice = make_user("alice@example.com", user_metadata={"display_name": "Alice"})
    row = supabase_conn.execute("select display_name from profiles where id = %s", [alice.id])
    assert row.fetchone() == ("Alice",)


def test_each_test_starts_empty(supabase_conn):
    assert supabase_conn.execute("select count(*) from notes").fetchone()[0] == 0
    assert supabase_conn.execute("select count(*) from auth.users").fetchone()[0] == 0
'''


def run_pytest(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", str(root / "tests")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def project(public_tmp: Path) -> Path:
    root = write_files(public_tmp / "app", {"20240101000000_notes.sql": NOTES})
    (root / "tests").mkdir()
    (root / "tests" / "test_rls.py").write_text(textwrap.dedent(TESTS).lstrip("\n"))
    (root / "pytest.ini").write_text("[pytest]\n")
    return root


def test_a_team_writes_its_own_rls_tests(project: Path, engine) -> None:  # type: ignore[no-untyped-def]
    got = run_pytest(project)
    assert got.returncode == 0, got.stdout + got.stderr
    assert "5 passed" in got.stdout


def test_the_same_tests_fail_when_a_policy_leaks(project: Path, engine) -> None:  # type: ignore[no-untyped-def]
    migration = project / "supabase" / "migrations" / "20240101000000_notes.sql"
    migration.write_text(migration.read_text().replace(
        "using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));",
        "using (true) with check (true);"))
    got = run_pytest(project)
    assert got.returncode == 1, got.stdout + got.stderr
    assert "2 failed, 3 passed" in got.stdout
    assert "test_users_only_see_their_own_notes" in got.stdout
    assert "test_nobody_writes_in_someone_elses_name" in got.stdout


def test_a_migration_that_does_not_apply_fails_clearly(project: Path, engine) -> None:  # type: ignore[no-untyped-def]
    (project / "supabase" / "migrations" / "20240102000000_broken.sql").write_text(
        "alter table public.nope add column x int;\n")
    got = run_pytest(project)
    assert got.returncode != 0
    assert ('supakit: supabase/migrations/20240102000000_broken.sql:1:1: relation "public.nope" '
            "does not exist" in got.stdout)
    assert "Traceback" not in got.stdout


def test_docs_example_is_this_file() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pytest-plugin.md").read_text()
    assert textwrap.dedent(TESTS).strip() in doc


# --- finding the project (issue 17, item 8) -------------------------------------------------------

ONE_TEST = "def test_it(supabase_conn):\n    assert supabase_conn.execute('select 1').fetchone() == (1,)\n"


def pytest_in(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=600)


def test_run_from_another_folder_finds_the_project_of_the_tests(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    """pytest's rootdir is then the common folder of the two; the tests' own folder leads to
    supabase/. DATABASE_URL (the app's own) changes nothing: the fixtures are throwaway."""
    root = write_files(public_tmp / "app", {"20240101000000_notes.sql": NOTES})
    (root / "tests").mkdir()
    (root / "tests" / "test_one.py").write_text(ONE_TEST)
    elsewhere = public_tmp / "elsewhere"
    elsewhere.mkdir()
    got = pytest_in(elsewhere, "../app/tests", env={"DATABASE_URL": "postgresql://app@127.0.0.1:1/prod"})
    assert got.returncode == 0 and "1 passed" in got.stdout, got.stdout + got.stderr


def test_no_project_names_the_ini_option_once(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_one.py").write_text(ONE_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    got = pytest_in(tmp_path, "tests")
    assert got.returncode == 1
    assert "set supakit_project_dir = <folder holding supabase/>" in got.stdout
    assert "--project-dir" not in got.stdout and "During handling" not in got.stdout
    assert got.stdout.count("no supabase/ folder found") == 2  # the error and its summary line


def test_the_ini_option_is_read_from_the_ini_files_folder(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    write_files(public_tmp / "db", {"20240101000000_notes.sql": NOTES})
    tests = public_tmp / "web" / "tests"
    tests.mkdir(parents=True)
    (tests / "test_one.py").write_text(ONE_TEST)
    (public_tmp / "web" / "pytest.ini").write_text("[pytest]\nsupakit_project_dir = ../db\n")
    got = pytest_in(public_tmp / "web", "tests")
    assert got.returncode == 0 and "1 passed" in got.stdout, got.stdout + got.stderr
    (public_tmp / "web" / "pytest.ini").write_text("[pytest]\nsupakit_project_dir = ../nope\n")
    got = pytest_in(public_tmp / "web", "tests")
    assert "supakit_project_dir = '../nope'" in got.stdout and "During handling" not in got.stdout
