"""Throwaway clusters live in memory (/dev/shm) unless the user named a temp folder or memory is
short; the cached template stays on disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from toolkit.engine import local


def _shm_roomy() -> bool:
    try:
        st = os.statvfs(local.SHM)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize >= local.SHM_MIN_FREE


@pytest.fixture
def no_tmp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPAKIT_TMPDIR", "TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)


def test_a_named_temp_folder_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_tmp_env: None) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert local._run_root() == tmp_path
    monkeypatch.setenv("SUPAKIT_TMPDIR", str(tmp_path / "x"))
    assert local._run_root() == tmp_path / "x"


def test_memory_is_skipped_when_it_is_short(monkeypatch: pytest.MonkeyPatch, no_tmp_env: None) -> None:
    monkeypatch.setattr(local, "SHM_MIN_FREE", 1 << 62)
    assert local._run_root() == Path(tempfile.gettempdir())
    monkeypatch.setattr(local, "SHM", Path("/no/such/folder"))
    monkeypatch.setattr(local, "SHM_MIN_FREE", 0)
    assert local._run_root() == Path(tempfile.gettempdir())


@pytest.mark.skipif(not _shm_roomy(), reason="no /dev/shm with room on this machine")
def test_clusters_start_in_memory_by_default(engine, no_tmp_env: None) -> None:  # type: ignore[no-untyped-def]
    with engine.start() as db, db.connect() as conn:
        assert db.cluster.base.parent == local.SHM
        assert conn.execute("select 1").fetchone() == (1,)
    assert not db.cluster.base.exists()
    assert local.SHM not in local.cache_root().parents
