from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.project import Project

A = "create schema if not exists private;\ncreate table private.a (id bigint);\n"
B = "create schema if not exists private;\ncreate table private.b (id bigint);\n"
BASE_FILES = {"20240101000000_a.sql": A, "20240102000000_b.sql": B}


def git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root,
                         check=True, capture_output=True, text=True)
    return out.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., Project]:
    """A git repository whose sub-folder app/ holds a project; BASE_FILES are committed and tagged `base`."""
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")

    def _make(files: dict[str, str] | None = None) -> Project:
        root = tmp_path / "repo"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        project = write_project(root / "app", files if files is not None else BASE_FILES)
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "base")
        git(root, "tag", "base")
        return project

    return _make
