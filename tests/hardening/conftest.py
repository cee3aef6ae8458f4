"""A throwaway database shared by a module's tests that only ever fail (and so roll back)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from toolkit.engine.base import Database


@pytest.fixture(scope="module")
def shared_db(engine) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    with engine.start(exposure="legacy") as database:
        yield database
