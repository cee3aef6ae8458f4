"""A password in a database URL never reaches stdout, stderr or a report file, on success or error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import write_files
from tests.live.conftest import AUDITOR_PASSWORD, make_auditor, run_cli, socket_dir
from toolkit.engine.base import Database
from toolkit.engine.url import redact

FILES = {"20240101000000_t.sql": "create table public.t (id bigint primary key);\n"}
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")


@pytest.mark.parametrize(("text", "expected"), [
    ("postgresql://u:pw@h/db", "postgresql://u:***@h/db"),
    ("postgres://u:p%40ss@h:5432/db?sslmode=require", "postgres://u:***@h:5432/db?sslmode=require"),
    ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
    ("postgresql://u@h/db", "postgresql://u@h/db"),
    ("postgresql://h:5432/db", "postgresql://h:5432/db"),
    ("postgresql:///db?host=/tmp&password=pw&user=u", "postgresql:///db?host=/tmp&password=***&user=u"),
    ("host=h password=pw user=u", "host=h password=*** user=u"),
    ("host=h password='p w' user=u", "host=h password=*** user=u"),
    ("a postgresql://a:b@c/d and postgresql://e:f@g/h", "a postgresql://a:***@c/d and postgresql://e:***@g/h"),
])
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def _assert_no_secret(secret: str, *texts: str) -> None:
    for t in texts:
        assert secret not in t, t[-500:]


def test_successful_audit_in_every_format(db: Database, apply_sql: Callable[..., object], tmp_path: Path) -> None:
    project, _ = apply_sql(db, FILES)  # type: ignore[misc]
    url = make_auditor(db)
    assert AUDITOR_PASSWORD in url
    for fmt in FORMATS:
        res = run_cli("-v", "audit", "--project-dir", str(project.root), "--db-url", url, "--format", fmt)
        assert res.returncode == 1, res.stderr  # rls_disabled on public.t
        assert "auditor:***@" in res.stderr
        _assert_no_secret(AUDITOR_PASSWORD, res.stdout, res.stderr)
    out = tmp_path / "report.json"
    res = run_cli("-v", "audit", "--project-dir", str(project.root), "--db-url", url, "--format", "json",
                  "--output", str(out))
    assert res.returncode == 1
    _assert_no_secret(AUDITOR_PASSWORD, res.stdout, res.stderr, out.read_text())
    assert "auditor:***@" in out.read_text()


def test_from_the_environment(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, FILES)  # type: ignore[misc]
    url = make_auditor(db)
    res = run_cli("-v", "audit", "--project-dir", str(project.root), "--format", "json", env={"SUPAKIT_DB_URL": url})
    assert res.returncode == 1, res.stderr
    assert '"engine": "url"' in res.stdout
    assert "from SUPAKIT_DB_URL" in res.stderr
    _assert_no_secret(AUDITOR_PASSWORD, res.stdout, res.stderr)


def test_database_url_is_the_apps_and_never_selects_a_live_audit(db: Database, apply_sql: Callable[..., object]) -> None:
    """Apps export DATABASE_URL for themselves, often pointing at production: audit, check and
    probe all keep to a throwaway database unless --db-url or SUPAKIT_DB_URL says otherwise."""
    project, _ = apply_sql(db, FILES)  # type: ignore[misc]
    url = make_auditor(db)
    for command in ("audit", "check", "probe"):
        res = run_cli(command, "--project-dir", str(project.root), "--format", "json", env={"DATABASE_URL": url})
        info = json.loads(res.stdout)["info"]
        assert (info["engine"], info["throwaway"]) == ("local", True), (command, res.stderr)
        assert "live database" not in res.stderr


@pytest.mark.parametrize("url", [
    "postgresql://auditor:Hunter2-Secret@nonexistent.invalid:5432/postgres",
    "postgresql://auditor:Hunter2-Secret@/postgres?host=/nonexistent/socket/dir",
    "postgresql://auditor:Hunter2-Secret@localhost:notaport/postgres",
    "postgresql://auditor:Hunter2-Secret@/postgres?host=/tmp&sslmode=bogus",
    "postgresql:///postgres?host=/nonexistent&password=Hunter2-Secret",
    "host=/nonexistent password=Hunter2-Secret user=x",
    "host=/nonexistent password=Hunter2-Secret bad",
])
def test_connection_errors(url: str, tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", FILES)
    out = tmp_path / "report.json"
    for args in (["-v", "audit"], ["audit", "--pending-only"]):
        res = run_cli(*args, "--project-dir", str(root), "--db-url", url, "--format", "json", "--output", str(out))
        assert res.returncode == 2, res.stdout + res.stderr
        assert "Traceback" not in res.stderr
        assert res.stderr.strip().splitlines()[-1].startswith("supakit: error: ")
        # the report is written all the same (CI uploads it), without the password
        _assert_no_secret("Hunter2-Secret", res.stdout, res.stderr, out.read_text())
        out.unlink()


def test_wrong_password_is_redacted(db: Database, tmp_path: Path) -> None:
    """With password authentication on, a wrong password fails cleanly and is not echoed."""
    make_auditor(db)
    with db.connect(superuser=True) as conn:
        hba = conn.execute("show hba_file").fetchone()[0]
    Path(hba).write_text("local all auditor scram-sha-256\nlocal all all trust\n")
    with db.connect(superuser=True) as conn:
        conn.execute("select pg_reload_conf()")
    root = write_files(tmp_path / "p", FILES)
    bad = f"postgresql://auditor:Wrong-Secret-9@/postgres?host={socket_dir(db)}"
    res = run_cli("-v", "audit", "--project-dir", str(root), "--db-url", bad)
    assert res.returncode == 2 and "password authentication failed" in res.stderr
    _assert_no_secret("Wrong-Secret-9", res.stdout, res.stderr)
    good = f"postgresql://auditor:{AUDITOR_PASSWORD}@/postgres?host={socket_dir(db)}"
    res = run_cli("audit", "--project-dir", str(root), "--db-url", good, "--format", "json")
    assert res.returncode in (0, 1), res.stderr
    _assert_no_secret(AUDITOR_PASSWORD, res.stdout, res.stderr)


def test_database_error_during_the_audit_is_redacted(db: Database, apply_sql: Callable[..., object]) -> None:
    """A query that fails mid-audit ends with one redacted error line, exit 2."""
    project, _ = apply_sql(db, FILES)  # type: ignore[misc]
    url = make_auditor(db)
    with db.connect(superuser=True) as conn:
        conn.execute("revoke select on pg_catalog.pg_db_role_setting from public")
    res = run_cli("-v", "audit", "--project-dir", str(project.root), "--db-url", url)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "permission denied" in res.stderr.strip().splitlines()[-1]
    _assert_no_secret(AUDITOR_PASSWORD, res.stdout, res.stderr)
