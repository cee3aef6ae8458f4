"""Shared fixtures: real throwaway PostgreSQL clusters from our own engine, never mocks."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from toolkit.apply import ApplyResult, apply_migrations
from toolkit.engine.base import Database
from toolkit.engine.binaries import have_binaries
from toolkit.migrations import discover
from toolkit.project import Project, find_project

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False, help="run slow fuzz and fault tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow test: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests build their own template cache unless SUPAKIT_TEST_SHARED_CACHE is set."""
    if os.environ.get("SUPAKIT_TEST_SHARED_CACHE"):
        yield
        return
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.getbasetemp() / "xdg-cache")
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def engine():  # type: ignore[no-untyped-def]
    if not have_binaries():
        pytest.skip("no PostgreSQL server binaries on this machine (apt-get install -y postgresql)")
    from toolkit.engine.local import LocalEngine

    return LocalEngine()


@pytest.fixture
def db(engine) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """A fresh shimmed throwaway database (legacy exposure), removed after the test."""
    with engine.start(exposure="legacy") as database:
        yield database


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A temp folder every user can traverse (pytest's own tmp_path is private to root)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="supakit-test-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_db(engine) -> Iterator[Callable[..., Database]]:  # type: ignore[no-untyped-def]
    started: list[Database] = []

    def _make(exposure: str = "legacy") -> Database:
        d = engine.start(exposure=exposure)
        started.append(d)
        return d

    yield _make
    for d in started:
        d.close()


@pytest.fixture(scope="module")
def fresh_db(engine) -> Iterator[Callable[[], Database]]:  # type: ignore[no-untyped-def]
    """Fresh shimmed databases cloned inside one cluster (CREATE DATABASE ... TEMPLATE is much
    cheaper than a cluster per example), owned by postgres like the shim's own."""
    from itertools import count

    from psycopg.conninfo import make_conninfo

    cluster = engine.start()
    names = count()

    def _make() -> Database:
        name = f"example_{next(names)}"
        with cluster.connect(superuser=True) as conn:
            conn.execute(f"create database {name} template postgres strategy file_copy")
            conn.execute(f"alter database {name} owner to postgres")
        return Database(dsn=make_conninfo(cluster.dsn, dbname=name),
                        superuser_dsn=make_conninfo(cluster.superuser_dsn or "", dbname=name),
                        kind="local", throwaway=True)

    yield _make
    cluster.close()


def write_project(root: Path, files: dict[str, str], **kw: str | None) -> Project:
    """A project folder (see write_files), read back as a Project."""
    return find_project(write_files(root, files, **kw))


def write_files(root: Path, files: dict[str, str], *, config: str | None = None,
                seed: str | None = None, settings: str | None = None) -> Path:
    """A project folder with these migrations (dedented), optional config.toml, seed and supakit.toml."""
    mdir = root / "supabase" / "migrations"
    mdir.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (mdir / name).write_text(textwrap.dedent(sql).lstrip("\n"), encoding="utf-8")
    if config is not None:
        (root / "supabase" / "config.toml").write_text(textwrap.dedent(config))
    if seed is not None:
        (root / "supabase" / "seed.sql").write_text(textwrap.dedent(seed))
    if settings is not None:
        (root / "supakit.toml").write_text(textwrap.dedent(settings))
    return root


@pytest.fixture
def project_factory(tmp_path: Path) -> Callable[..., Project]:
    counter = iter(range(1000))

    def _factory(files: dict[str, str], **kw: str | None) -> Project:
        return write_project(tmp_path / f"p{next(counter)}", files, **kw)  # type: ignore[arg-type]

    return _factory


@pytest.fixture
def apply_sql(tmp_path: Path) -> Callable[..., tuple[Project, ApplyResult]]:
    """apply_sql(db, {"20240101000000_a.sql": "..."}) -> (project, result); raises on apply errors."""
    counter = iter(range(1000))

    def _apply(database: Database, files: dict[str, str], *, keep_going: bool = False,
               seed: str | None = None) -> tuple[Project, ApplyResult]:
        project = write_project(tmp_path / f"a{next(counter)}", files, seed=seed)
        disc = discover(project.migrations_dir, project.root)
        seed_arg = (project.seed_file, project.rel(project.seed_file)) if seed is not None else None
        return project, apply_migrations(database, disc.files, seed=seed_arg, keep_going=keep_going)

    return _apply
