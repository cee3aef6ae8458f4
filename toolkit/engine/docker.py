"""Throwaway PostgreSQL in a container (testcontainers): `postgres:<major>` plus the shim, or real
`supabase/postgres` without it. Used when asked, or by `auto` when no local binaries exist."""

from __future__ import annotations

import contextlib
from typing import Any

from toolkit.engine.base import Database
from toolkit.errors import EngineError

DEFAULT_IMAGE = "postgres:{major}"
SUPABASE_IMAGE_PREFIX = "supabase/postgres"


def docker_available() -> tuple[bool, str]:
    """Whether a Docker daemon answers, and if not, why (for skip messages and errors)."""
    try:
        import docker
    except ImportError:
        return False, "the docker Python package is not installed"
    try:
        client = docker.from_env(timeout=3)
        client.ping()
    except Exception as e:  # any failure to reach the daemon means: not available
        return False, f"no Docker daemon answers ({type(e).__name__}: {str(e)[:120]})"
    return True, ""


class DockerDatabase(Database):
    def __init__(self, container: Any, dsn: str, superuser_dsn: str, *, shim: bool, exposure: str) -> None:
        super().__init__(dsn=dsn, superuser_dsn=superuser_dsn, kind="docker", throwaway=True,
                         shim_loaded=shim, exposure=exposure)
        self.container = container

    def close(self) -> None:
        if self.container is not None:
            with contextlib.suppress(Exception):
                self.container.stop()
            self.container = None


class DockerEngine:
    name = "docker"

    def __init__(self, *, image: str | None = None, major: int = 15) -> None:
        self.image = image or DEFAULT_IMAGE.format(major=major)

    def start(self, *, exposure: str = "legacy") -> DockerDatabase:
        ok, why = docker_available()
        if not ok:
            raise EngineError(f"--engine docker: {why}")
        import psycopg
        from testcontainers.postgres import PostgresContainer

        is_supabase = self.image.startswith(SUPABASE_IMAGE_PREFIX)
        container = PostgresContainer(self.image, username="postgres", password="postgres", dbname="postgres",
                                      driver=None)
        try:
            container.start()
            host = container.get_container_host_ip()
            port = container.get_exposed_port(5432)
            superuser = f"host={host} port={port} user=postgres password=postgres dbname=postgres"
            db = DockerDatabase(container, superuser, superuser, shim=not is_supabase, exposure=exposure)
            if not is_supabase:
                from toolkit import shim
                from toolkit.shim import read_sql

                with psycopg.connect(superuser, autocommit=True) as conn:
                    shim.load(conn)
                    if exposure == "explicit":
                        conn.execute(read_sql("exposure_explicit.sql"))
        except BaseException:
            with contextlib.suppress(Exception):
                container.stop()
            raise
        return db
