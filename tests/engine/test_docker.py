"""The Docker engine: real containers when a daemon answers; a clear reason when none does."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.engine import get_engine
from toolkit.engine.docker import DockerEngine, docker_available
from toolkit.errors import EngineError

AVAILABLE, WHY = docker_available()
needs_docker = pytest.mark.skipif(not AVAILABLE, reason=f"Docker engine tests need a daemon: {WHY}")


@needs_docker
def test_postgres_image_with_the_shim() -> None:
    with DockerEngine(major=15).start(exposure="legacy") as db, db.connect() as conn:
        roles = {r[0] for r in conn.execute("select rolname from pg_roles where rolname in "
                                            "('anon', 'authenticated', 'service_role')")}
        assert roles == {"anon", "authenticated", "service_role"}
        assert conn.execute("select to_regprocedure('auth.uid()') is not null").fetchone()[0]


@needs_docker
def test_explicit_exposure_in_a_container() -> None:
    with DockerEngine(major=15).start(exposure="explicit") as db, db.connect() as conn:
        conn.execute("create table public.t_docker (id int)")
        assert not conn.execute("select has_table_privilege('anon', 'public.t_docker', 'select')").fetchone()[0]


def test_without_a_daemon_docker_is_a_clear_engine_error() -> None:
    if AVAILABLE:
        pytest.skip("a Docker daemon answers here")
    with pytest.raises(EngineError, match=r"--engine docker: no Docker daemon answers|not installed"):
        DockerEngine().start()


def test_auto_without_binaries_or_daemon_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if AVAILABLE:
        pytest.skip("a Docker daemon answers here, so auto would pick it")
    monkeypatch.setenv("SUPAKIT_PG_BINDIR", str(tmp_path))
    with pytest.raises(EngineError, match=r"apt-get install -y postgresql.*Docker is not an option either"):
        get_engine("auto")
