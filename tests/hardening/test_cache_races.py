"""The template cache under concurrent runs of different supakit versions: a run copying a
template never sees it deleted under it, and leftovers of killed builds are swept."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from toolkit.engine.local import LocalEngine, cache_root


@pytest.fixture
def cold_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = cache_root()
    root.mkdir(parents=True)
    return root


def _fake_template(root: Path, name: str) -> Path:
    d = root / name
    (d / "global").mkdir(parents=True)
    (d / "PG_VERSION").write_text("15\n")
    return d


def test_a_template_being_copied_is_not_deleted_as_stale(cold_cache: Path) -> None:
    """Another version's run holds its template's lock shared while it copies: the new version
    leaves that template alone, and removes it on a later build once nobody copies it."""
    other = _fake_template(cold_cache, "template-15.0-000000000000-1")
    engine = LocalEngine()
    with open(cold_cache / f"{other.name}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_SH)  # as _from_template does while it copies
        engine.start().close()
        assert (other / "PG_VERSION").is_file()
    new = cold_cache / engine.template_key()
    assert (new / "PG_VERSION").is_file()
    shutil.rmtree(new)
    engine.start().close()
    assert not other.exists()


def test_partial_copies_of_killed_builds_are_swept(cold_cache: Path) -> None:
    engine = LocalEngine()
    dead = cold_cache / f"{engine.template_key()}.partial-999999999"
    dead.mkdir()
    alive = cold_cache / f"template-15.0-000000000000-1.partial-{os.getpid()}"
    alive.mkdir()
    engine.start().close()
    assert not dead.exists()
    assert alive.exists()  # its writer (us) is still running
