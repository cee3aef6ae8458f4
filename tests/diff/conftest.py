"""An example-project copy whose declared schemas equal its migrations, and the CLI run in-process."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from click.testing import CliRunner

from toolkit.cli import main

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
