"""pytest plugin (entry point `supakit`): a migrated throwaway Supabase database for your own tests.

Fixtures:
- `supabase_project`: the project named by the `supakit_project_dir` ini option, else the nearest
  folder holding supabase/ from pytest's rootdir up, else from the test paths given to pytest up.
- `supabase_db`: a session-scoped throwaway database with the project's migrations and seed applied.
- `supabase_conn`: a connection as `postgres` inside a transaction that is rolled back after the
  test, so tests never see each other's rows.
- `make_user`: `make_user(email=None, *, user_metadata=None, app_metadata=None, phone=None,
  is_anonymous=False)` inserts a user into auth.users (triggers run) and returns it.
- `as_user` / `as_anon`: `with as_user(alice) as db:` runs statements the way the Data API
  does (role, JWT claims, search_path); a block that raises is rolled back, one that finishes
  keeps its rows for the rest of the test.

Everything heavy is imported inside the fixtures, so merely installing supakit costs pytest
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    import psycopg

    from toolkit.engine.base import Database
    from toolkit.probe.session import User
    from toolkit.project import Project


INI = "supakit_project_dir"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI, "folder holding supabase/ for the supabase_db fixture (relative to the file "
                       "that sets it)", default="")


def _starts(config: pytest.Config) -> list[Path]:
    """Where to look for supabase/ from: the rootdir, then the paths the tests were named by."""
    here = Path(config.invocation_params.dir)
    starts = [Path(config.rootpath)]
    for arg in config.args:
        path = (here / arg.split("::", 1)[0]).resolve()
        starts.append(path if path.is_dir() else path.parent)
    return list(dict.fromkeys(starts))


def find_supabase_project(config: pytest.Config) -> Project:
    """Raises SupakitError with a message a pytest user can act on (there is no --project-dir)."""
    from toolkit.errors import ConfigError
    from toolkit.project import find_project

    configured = config.getini(INI)
    if configured:
        base = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
        try:
            return find_project(base / configured)
        except ConfigError as e:
            raise ConfigError(f"{INI} = {configured!r}: {e}") from None
    starts = _starts(config)
    for start in starts:
        try:
            return find_project(start=start)
        except ConfigError:
            continue
    raise ConfigError(f"no supabase/ folder found in {', '.join(map(str, starts))} or any parent; set "
                      f"{INI} = <folder holding supabase/> in your pytest configuration (pytest.ini, or "
                      "[tool.pytest.ini_options] in pyproject.toml)")


def _fail(message: str) -> NoReturn:
    pytest.fail(f"supakit: {message}", pytrace=False)


@pytest.fixture(scope="session")
def supabase_project(pytestconfig: pytest.Config) -> Project:
    from toolkit.errors import SupakitError

    # pytest.fail is called outside the `except`: inside, pytest would print the SupakitError too
    # ("During handling of the above exception, another exception occurred").
    problem = None
    try:
        return find_supabase_project(pytestconfig)
    except SupakitError as e:
        problem = str(e)
    _fail(problem)


@pytest.fixture(scope="session")
def supabase_db(supabase_project: Project) -> Iterator[Database]:
    from toolkit.errors import SupakitError
    from toolkit.pipeline import AuditOptions, start_and_apply

    problem = None
    try:
        db, result = start_and_apply(supabase_project, AuditOptions(), lambda _m: None)
    except SupakitError as e:
        problem = str(e)
    if problem is not None:
        _fail(problem)
    with db:
        if not result.complete:
            _fail(f"migration did not apply: {result.failures[0]}")
        yield db


@pytest.fixture
def supabase_conn(supabase_db: Database) -> Iterator[psycopg.Connection]:
    """A connection as `postgres` (BYPASSRLS, like the SQL editor) in a transaction that the
    test's end rolls back."""
    with supabase_db.connect(autocommit=True) as conn, conn.transaction(force_rollback=True):
        yield conn


@pytest.fixture
def make_user(supabase_conn: psycopg.Connection) -> Callable[..., User]:
    """A factory for users in auth.users; `on auth.users` triggers (profiles ...) run."""
    from toolkit.probe.users import insert_user
    from toolkit.probe.users import make_user as new_user

    def _make(email: str | None = None, *, user_metadata: dict[str, Any] | None = None,
              app_metadata: dict[str, Any] | None = None, phone: str | None = None,
              is_anonymous: bool = False) -> User:
        user = new_user(email=email, phone=phone, is_anonymous=is_anonymous,
                        user_metadata=user_metadata, app_metadata=app_metadata)
        with supabase_conn.transaction():
            insert_user(supabase_conn, user)
        return user

    return _make


@pytest.fixture
def as_user(supabase_conn: psycopg.Connection) -> Callable[..., AbstractContextManager[psycopg.Connection]]:
    """`as_user(user, aal="aal1", claims=None)`: a Data API request as that user; `claims`
    adds to or overrides the JWT payload (custom claims, app_metadata)."""
    from toolkit.probe.session import request

    def _as(user: User, *, aal: str = "aal1",
            claims: dict[str, Any] | None = None) -> AbstractContextManager[psycopg.Connection]:
        return request(supabase_conn, "authenticated", {**user.claims(aal=aal), **(claims or {})},
                       keep=True)

    return _as


@pytest.fixture
def as_anon(supabase_conn: psycopg.Connection) -> Callable[[], AbstractContextManager[psycopg.Connection]]:
    """`as_anon()`: a Data API request with the project's anon key."""
    from toolkit.probe.session import anon_claims, request

    def _as() -> AbstractContextManager[psycopg.Connection]:
        return request(supabase_conn, "anon", anon_claims(), keep=True)

    return _as
