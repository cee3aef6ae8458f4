"""Find PostgreSQL server binaries the way a developer's machine has them."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import EngineError

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, postgres) were not found. Install them: "
    "Debian/Ubuntu `sudo apt-get install -y postgresql`, macOS `brew install postgresql@15`, "
    "Fedora `sudo dnf install postgresql-server`; or set SUPAKIT_PG_BINDIR to their folder, "
    "or use --engine docker."
)


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path
    version: str  # e.g. "15.18"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def path(self, name: str) -> str:
        return str(self.bindir / name)


def _version_key(p: str) -> tuple[int, ...]:
    nums = re.findall(r"\d+", p)
    return tuple(int(n) for n in nums) or (0,)


def candidate_dirs() -> list[Path]:
    """Folders to look in, most specific first."""
    env = os.environ.get("SUPAKIT_PG_BINDIR")
    if env:
        return [Path(env)]  # an explicit choice is the only place we look
    out: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            res = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=5)
            if res.returncode == 0 and res.stdout.strip():
                out.append(Path(res.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    initdb = shutil.which("initdb")
    if initdb:
        out.append(Path(initdb).resolve().parent)
    for pattern in (
        "/usr/lib/postgresql/*/bin",
        "/usr/pgsql-*/bin",
        "/usr/local/opt/postgresql*/bin",
        "/opt/homebrew/opt/postgresql*/bin",
        "/usr/local/pgsql/bin",
    ):
        out.extend(Path(p) for p in sorted(glob.glob(pattern), key=_version_key, reverse=True))
    seen: set[Path] = set()
    uniq = []
    for d in out:
        if d not in seen:
            seen.add(d)
            uniq.append(d)
    return uniq


_found: dict[tuple[str | None, str | None], PgBinaries] = {}


def find_binaries() -> PgBinaries:
    """The first folder that has both initdb and postgres, with its version. Remembered for the
    process (per SUPAKIT_PG_BINDIR and PATH, while both files are still there): `audit` asks twice
    (`auto`, then the engine), and each look costs two subprocesses (pg_config, postgres --version),
    0.1 s before the server can start. A failure is not remembered (`ensure` installs, then asks again)."""
    key = (os.environ.get("SUPAKIT_PG_BINDIR"), os.environ.get("PATH"))
    known = _found.get(key)
    if known is not None and (known.bindir / "initdb").is_file() and (known.bindir / "postgres").is_file():
        return known
    found = _look_for_binaries()
    _found[key] = found
    return found


def _look_for_binaries() -> PgBinaries:
    for d in candidate_dirs():
        if (d / "initdb").is_file() and (d / "postgres").is_file():
            try:
                res = subprocess.run(
                    [str(d / "postgres"), "--version"], capture_output=True, text=True, timeout=10
                )
            except (OSError, subprocess.SubprocessError):
                continue
            m = re.search(r"(\d+)(?:\.(\d+))?", res.stdout)
            if res.returncode == 0 and m:
                return PgBinaries(d, m.group(0))
    env = os.environ.get("SUPAKIT_PG_BINDIR")
    if env:
        raise EngineError(f"SUPAKIT_PG_BINDIR={env} holds no initdb and postgres. {INSTALL_HINT}")
    raise EngineError(INSTALL_HINT)


def have_binaries() -> bool:
    try:
        find_binaries()
    except EngineError:
        return False
    return True
