"""A full disk is one clear line and exit 2, never a traceback or a leftover: during apply, when
the temp folder cannot even hold the cluster (the cached template is kept), and when the cache
cannot take the template (a warning, then a fresh initdb). The small disks are real tmpfs mounts,
so these tests need root; elsewhere they skip and say why."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import write_files
from toolkit.engine.local import cache_root

BIG = {"20240101000000_big.sql": """
create table public.big (id int primary key, body text);
insert into public.big select g, repeat(md5(g::text), 40) from generate_series(1, 200000) g;
"""}
SMALL = {"20240101000000_t.sql": "create table public.t (id int primary key);\n"}


@pytest.fixture
def small_disk() -> Iterator[Callable[[str], Path]]:
    mounted: list[Path] = []

    def make(size: str) -> Path:
        d = Path(tempfile.mkdtemp(prefix="supakit-small-disk-"))
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=1777", "tmpfs", str(d)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            d.rmdir()
            pytest.skip(f"cannot mount a {size} tmpfs here: {res.stderr.strip() or 'needs root'}")
        mounted.append(d)
        return d

    yield make
    for d in mounted:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def audit(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toolkit", "audit", "--no-probe", "--project-dir", str(root)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def one_clear_line(res: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("supakit: error: ") and re.search(pattern, last), res.stderr


def test_disk_full_during_apply(small_disk: Callable[[str], Path], tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    engine.start().close()  # the template is cached: the small disk only holds this run's cluster
    tmp = small_disk("64m")
    res = audit(write_files(tmp_path / "p", BIG), SUPAKIT_TMPDIR=str(tmp))
    one_clear_line(res, r"20240101000000_big\.sql:2:1: could not extend file .*disk is full.*SUPAKIT_TMPDIR")
    assert list(tmp.iterdir()) == []


def test_temp_folder_too_small_for_the_cluster_keeps_the_cached_template(
        small_disk: Callable[[str], Path], tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    engine.start().close()
    template = cache_root() / engine.template_key()
    tmp = small_disk("16m")
    res = audit(write_files(tmp_path / "p", SMALL), SUPAKIT_TMPDIR=str(tmp))
    one_clear_line(res, r"No space left on device.*is full.*SUPAKIT_TMPDIR")
    assert "rebuilding" not in res.stderr
    assert (template / "PG_VERSION").is_file()
    assert list(tmp.iterdir()) == []


def test_full_cache_falls_back_to_a_fresh_initdb(small_disk: Callable[[str], Path], tmp_path: Path,
                                                  public_tmp: Path) -> None:
    cache = small_disk("8m")
    res = audit(write_files(tmp_path / "p", SMALL), XDG_CACHE_HOME=str(cache), SUPAKIT_TMPDIR=str(public_tmp))
    assert res.returncode == 1, res.stderr  # the audit ran: rls_disabled on public.t
    assert "Traceback" not in res.stderr
    assert re.search(r"warning: could not write the template cache .*No space left on device.*fresh initdb",
                     res.stderr), res.stderr
    assert [p.name for p in (cache / "supakit").iterdir() if p.is_dir()] == []
    assert list(public_tmp.glob("supakit-run-*")) == []
