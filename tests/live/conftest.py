"""Fixtures for auditing a database through --db-url: a login role that can only read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from toolkit.engine.base import Database

AUDITOR_PASSWORD = "s3cret-Pa55word"


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process, as a user runs it."""
    base = {k: v for k, v in os.environ.items() if k not in ("SUPAKIT_DB_URL", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          cwd=cwd, env={**base, **(env or {})}, timeout=timeout)


def socket_dir(db: Database) -> Path:
    return db.cluster.sock  # type: ignore[attr-defined, no-any-return]


def url_for(db: Database, user: str = "auditor", password: str | None = AUDITOR_PASSWORD,
            dbname: str = "postgres") -> str:
    cred = f"{user}:{password}" if password is not None else user
    return f"postgresql://{cred}@/{dbname}?host={socket_dir(db)}"


def make_auditor(db: Database, *, history: bool = True, name: str = "auditor") -> str:
    """A login role with default_transaction_read_only = on and no membership in anything: it reads
    pg_catalog like every role, and (with `history`) the CLI's migration history table."""
    with db.connect(superuser=True) as conn:
        conn.execute(f"create role {name} login password '{AUDITOR_PASSWORD}'")
        conn.execute(f"alter role {name} set default_transaction_read_only = on")
        if history:
            conn.execute(f"grant usage on schema supabase_migrations to {name}")
            conn.execute(f"grant select on supabase_migrations.schema_migrations to {name}")
    return url_for(db, name)


@pytest.fixture
def auditor() -> Callable[..., str]:
    return make_auditor


def report_json(res: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert res.returncode in (0, 1), (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def rule_objects(report: dict[str, Any], *, exclude_stages: tuple[str, ...] = ("probe", "drift")) -> set[tuple[str, str]]:
    from toolkit.registry import get

    out = set()
    for f in report["findings"]:
        info = get(f["rule"])
        if info is not None and info.stage in exclude_stages:
            continue
        o = f["object"]
        name = ".".join(x for x in (o["schema"], o["name"]) if x)
        out.add((f["rule"], f"{name} on {o['parent']}" if o.get("parent") else name))
    return out


def rules_of(report: dict[str, Any]) -> list[str]:
    return sorted(f["rule"] for f in report["findings"])
