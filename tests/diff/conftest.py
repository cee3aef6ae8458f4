"""An example-project copy whose declared schemas equal its migrations, and the CLI run in-process."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

from click.testing import CliRunner

from toolkit.cli import main
from toolkit.engine.base import Database

REPO = Path(__file__).resolve().parents[2]


def example_project(root: Path, *, config_extra: str = "") -> Path:
    """The repo's example project with `supabase/schemas/` a copy of its migrations: the state
    a team has on the day it adopts declarative schemas."""
    sdir = root / "supabase"
    shutil.copytree(REPO / "supabase" / "migrations", sdir / "migrations")
    shutil.copytree(REPO / "supabase" / "migrations", sdir / "schemas")
    config = (REPO / "supabase" / "config.toml").read_text()
    if config_extra:
        config = config.replace("[api]\n", f"[api]\n{config_extra}\n", 1)
    (sdir / "config.toml").write_text(config)
    return root


def declare(root: Path, name: str, sql: str) -> None:
    """Append `sql` to the declared schemas (a file of its own, sorted last)."""
    path = root / "supabase" / "schemas" / name
    path.write_text(path.read_text() + textwrap.dedent(sql) if path.exists() else textwrap.dedent(sql))


def diff(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args, "--project-dir", str(root)])
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def new_files(root: Path) -> list[Path]:
    """Migrations `supakit diff` wrote (the example's own are all from 2025-01-06)."""
    return sorted(p for p in (root / "supabase" / "migrations").iterdir() if not p.name.startswith("20250106"))


_ACL = re.compile(r"(-- Name: (TABLE|SEQUENCE|FUNCTION) (.+?); Type: ACL; Schema: (\w+); Owner: -\n--\n\n)")


def dumped_schemas(root: Path, db: Database) -> None:
    """Apply the migrations to the fresh `db` and replace supabase/schemas/ with `pg_dump
    --schema-only` of that end state:
    the user schemas, plus the triggers and policies the migrations put on auth.users and
    storage.objects. pg_dump writes each object's privileges relative to Postgres' own defaults,
    not Supabase's default privileges, so a REVOKE goes first, as a hand-written schema file
    needs; the default privileges themselves are the platform's (and supabase_admin's), not the
    project's."""
    from toolkit.apply import apply_migrations
    from toolkit.migrations import discover
    from toolkit.sql.split import split_statements

    sock = str(db.cluster.sock)  # type: ignore[attr-defined]
    pg_dump = db.cluster.bins.path("pg_dump")  # type: ignore[attr-defined]

    def dump(*args: str) -> str:
        out = subprocess.run([pg_dump, "-h", sock, "-U", "postgres", "-d", "postgres", "--schema-only",
                              "--no-owner", *args], capture_output=True, text=True, check=True).stdout
        return "\n".join(line for line in out.splitlines() if not line.startswith("\\")) + "\n"

    def managed() -> list[str]:
        return [s.text + ";" for s in split_statements(dump("-t", "auth.users", "-t", "storage.objects"))
                if s.kind in ("create_trig_stmt", "create_policy_stmt")]

    platform = managed()
    apply_migrations(db, discover(root / "supabase" / "migrations", root).files)
    user = dump("-n", "public", "-n", "private").replace("CREATE SCHEMA public;\n", "")
    user = "\n".join(ln for ln in user.splitlines() if not ln.startswith("ALTER DEFAULT PRIVILEGES")) + "\n"
    user = _ACL.sub(lambda m: f"{m[1]}REVOKE ALL ON {m[2]} {m[4]}.{m[3]} FROM anon, authenticated, service_role;\n",
                    user)
    projects = [s for s in managed() if s not in platform]
    with db.connect() as conn:
        extensions = [f'create extension if not exists "{name}" with schema "{schema}";' for name, schema in
                      conn.execute("select extname, extnamespace::regnamespace::text from pg_extension "
                                   "where extname <> 'plpgsql'").fetchall()]
    sdir = root / "supabase" / "schemas"
    shutil.rmtree(sdir)
    sdir.mkdir()
    (sdir / "00_extensions.sql").write_text("\n".join(extensions) + "\n")
    (sdir / "10_user_schemas.sql").write_text(user)
    (sdir / "20_auth_and_storage.sql").write_text("\n\n".join(projects) + "\n")
