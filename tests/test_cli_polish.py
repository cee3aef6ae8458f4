"""What a new user hit, through the real CLI (issue 17, items 9 and 10): one behaviour for a
missing migrations folder, settings errors in the file's own words, -q/-v anywhere, a github run
that says it ran, messages that say things once, and `supakit new` refusing a misspelt type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO, write_files
from toolkit.cli import main

NOTES = ("create table public.notes (id bigint primary key, body text);\n"
         "alter table public.notes enable row level security;\n")


def cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("command", ["lint", "audit", "check", "probe"])
def test_no_migrations_folder_is_the_same_clear_error_everywhere(tmp_path: Path, command: str) -> None:
    (tmp_path / "supabase").mkdir()
    code, out, err = cli(command, "--project-dir", str(tmp_path))
    assert code == 2 and out == "" and "supabase/migrations: no such folder" in err, (command, out, err)


def test_settings_errors_name_tables_as_the_file_does(tmp_path: Path) -> None:
    root = write_files(tmp_path / "a", {"20240101000000_a.sql": NOTES}, settings="[lint]\nsquak = true\n")
    code, _, err = cli("lint", "--project-dir", str(root))
    assert code == 2 and "supakit.toml: [lint]: unknown key 'squak'; did you mean 'squawk'?" in err
    write_files(root, {}, settings='[rules]\ndisable = ["rls_disabeld"]\n')
    assert "[rules] disable: unknown rule 'rls_disabeld'" in cli("lint", "--project-dir", str(root))[2]
    (root / "supakit.toml").unlink()
    (root / "pyproject.toml").write_text("[tool.supakit.lint]\nsquak = true\n")
    assert "[tool.supakit.lint]: unknown key 'squak'" in cli("lint", "--project-dir", str(root))[2]


def test_quiet_and_verbose_after_the_command(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"20240101000000_a.sql": NOTES})
    assert "supakit: linted 1 files" in cli("lint", "--project-dir", str(root), "-v")[2]
    assert "supakit: linted" not in cli("lint", "--project-dir", str(root))[2]
    assert cli("db", "stop", "--project-dir", str(root))[2] == "supakit: no database was running\n"
    assert cli("db", "stop", "-q", "--project-dir", str(root))[2] == ""


def test_github_format_says_it_ran_when_all_is_clean(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"20240101000000_a.sql": NOTES})
    code, out, _ = cli("lint", "--project-dir", str(root), "--format", "github", "--no-squawk")
    assert code == 0 and out == "supakit lint: 0 errors, 0 warnings, 0 info\n"


def test_words_once_and_no_internal_step_names(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"20240101000000_a.sql": "create policy p on public.t for select usng (true);\n"})
    code, out, _ = cli("lint", "--project-dir", str(root))
    assert code == 1
    assert 'sql_syntax_error supabase/migrations/20240101000000_a.sql:1:40 syntax error at or near "usng"\n' in out
    summary = out.rstrip().splitlines()[-1]
    assert "squawk_wait" not in summary and not re.search(r"\b[a-z]+_[a-z_]+ \d", summary), summary


def test_connection_errors_read_as_sentences(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"20240101000000_a.sql": NOTES})
    code, _, err = cli("audit", "--project-dir", str(root), "--db-url", "postgresql://x@127.0.0.1:1/db")
    assert code == 2 and "Connection refused. Is the server running" in err, err


def test_new_refuses_an_unknown_column_type_before_writing(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"20240101000000_a.sql": NOTES + "create type public.mood as enum ('ok');\n"})
    before = sorted((root / "supabase" / "migrations").iterdir())
    code, _, err = cli("new", "add invoices", "--project-dir", str(root), "--table", "invoices",
                       "--column", "amount:monay")
    assert code == 2 and "unknown type 'monay'; did you mean 'money'?" in err
    assert sorted((root / "supabase" / "migrations").iterdir()) == before
    code, out, err = cli("new", "add invoices", "--project-dir", str(root), "--table", "invoices",
                         "--column", "amount:numeric(10,2)!", "--column", "mood:mood",
                         "--column", "tags:text[]", "--column", "at:timestamp with time zone",
                         "--column", "doc:extensions.citext")
    assert code == 0, err


def test_the_builtin_types_are_postgres_own(db: object) -> None:
    """Every name on the list is a type of the server's catalog (serials aside: the grammar's)."""
    from toolkit.scaffold.types import BUILTIN

    with db.connect() as conn:  # type: ignore[attr-defined]
        names = {r[0] for r in conn.execute("select typname from pg_type where typnamespace = 'pg_catalog'::regnamespace")}
    assert BUILTIN - names == {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"}


def test_the_readme_says_how_to_run_the_installed_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/supakit" in readme and ". .venv/bin/activate" in readme
    assert "--column 'amount:numeric!'" in readme and "--column amount:numeric!" not in readme
