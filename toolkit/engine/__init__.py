"""Engines that give supakit a database: local binaries, Docker, or an existing URL."""

from __future__ import annotations

from typing import Protocol

from toolkit.engine.base import Database
from toolkit.errors import EngineError

__all__ = ["Database", "Engine", "get_engine"]


class Engine(Protocol):
    name: str

    def start(self, *, exposure: str = "legacy") -> Database: ...


def get_engine(name: str = "auto", *, major: int | None = None) -> Engine:
    """`auto`: local binaries when present, else Docker when a daemon answers, else say what to install."""
    from toolkit.engine.binaries import INSTALL_HINT, have_binaries

    if name == "local" or (name == "auto" and have_binaries()):
        from toolkit.engine.local import LocalEngine

        return LocalEngine()
    if name in ("docker", "auto"):
        from toolkit.engine.docker import DockerEngine, docker_available

        if name == "auto":
            ok, why = docker_available()
            if not ok:
                raise EngineError(f"{INSTALL_HINT} (Docker is not an option either: {why})")
        return DockerEngine(major=major or 15)
    raise EngineError(f"unknown engine {name!r}; choose auto, local or docker")
