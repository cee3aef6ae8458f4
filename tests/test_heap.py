"""heap.settle: once the snapshot is read, what exists is frozen out of the collector's walks."""

from __future__ import annotations

import gc


def test_the_audit_settles_the_heap_once_the_snapshot_is_read(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_project
    from toolkit.pipeline import AuditOptions, audit

    project = write_project(tmp_path, {"20240101000000_t.sql": "create table public.t (id bigint primary key);"})
    gc.unfreeze()
    try:
        audit(project, AuditOptions(engine="local", probe=False, seed=False), lambda _msg: None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_live_audit_settles_the_heap_too(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_project
    from tests.live.conftest import make_auditor
    from toolkit.pipeline import AuditOptions, audit

    project = write_project(tmp_path, {"20240101000000_t.sql": "create table public.t (id bigint primary key);"})
    url = make_auditor(db, history=False)
    gc.unfreeze()
    try:
        audit(project, AuditOptions(db_url=url, probe=False), lambda _msg: None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
