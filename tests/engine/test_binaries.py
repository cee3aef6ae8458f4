from __future__ import annotations

import os
from pathlib import Path

import pytest

from toolkit.engine.binaries import find_binaries
from toolkit.errors import EngineError


def _fake_bindir(tmp_path: Path) -> Path:
    """A folder whose initdb and postgres are the machine's own, by symlink."""
    real = find_binaries()
    d = tmp_path / "bin"
    d.mkdir()
    for name in ("initdb", "postgres"):
        (d / name).symlink_to(real.bindir / name)
    return d


def test_binaries_are_looked_for_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second look spawns nothing: a postgres that now says another version is not asked."""
    d = _fake_bindir(tmp_path)
    monkeypatch.setenv("SUPAKIT_PG_BINDIR", str(d))
    first = find_binaries()
    (d / "postgres").unlink()
    (d / "postgres").write_text("#!/bin/sh\necho 'postgres (PostgreSQL) 99.1'\n")
    os.chmod(d / "postgres", 0o755)
    assert find_binaries() == first


def test_binaries_gone_are_looked_for_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _fake_bindir(tmp_path)
    monkeypatch.setenv("SUPAKIT_PG_BINDIR", str(d))
    find_binaries()
    (d / "initdb").unlink()
    with pytest.raises(EngineError, match="holds no initdb and postgres"):
        find_binaries()


def test_another_bindir_is_another_look(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _fake_bindir(tmp_path)
    monkeypatch.setenv("SUPAKIT_PG_BINDIR", str(d))
    find_binaries()
    monkeypatch.setenv("SUPAKIT_PG_BINDIR", str(tmp_path))
    with pytest.raises(EngineError):
        find_binaries()
