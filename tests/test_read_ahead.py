"""Apply with the files split ahead on a thread (apply.ReadAhead): the same statements, the same
source map and the same failures as splitting each file when its turn comes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from toolkit.apply import ApplyResult, ReadAhead, apply_project, read_ahead
from toolkit.engine.base import Database
from toolkit.project import Project
from toolkit.sql.split import split_statements

FILES = {
    "20240101000000_notes.sql": """
        create table public.notes (id uuid primary key, user_id uuid references auth.users (id));
        create index notes_user_id_idx on public.notes (user_id);
        alter table public.notes enable row level security;
        """,
    "20240102000000_policies.sql": """
        create policy "own notes" on public.notes
          for select to authenticated using ((select auth.uid()) = user_id);
        do $$ begin execute 'create view public.v as select 1 as x'; end $$;
        """,
}


def _traced(result: ApplyResult) -> list[tuple[str, str, str, str]]:
    return [(str(e.location), e.command_tag, e.object_type, e.identity) for e in result.source_map.events]


def test_the_thread_splits_every_file_as_apply_would(project_factory: Callable[..., Project]) -> None:
    project = project_factory(FILES, seed="insert into public.notes values (gen_random_uuid(), null);\n")
    ahead = read_ahead(project)
    for path in [*sorted(project.migrations_dir.iterdir()), project.seed_file]:
        text = path.read_text()
        got = ahead.statements(project.rel(path), text)
        assert got is not None
        assert [(s.text, s.kind, s.line, s.column) for s in got] == [
            (s.text, s.kind, s.line, s.column) for s in split_statements(text)]


def test_apply_with_the_read_ahead_traces_the_same(make_db: Callable[..., Database],
                                                   project_factory: Callable[..., Project]) -> None:
    project = project_factory(FILES)
    alone = apply_project(make_db(), project)
    ahead = apply_project(make_db(), project, ahead=read_ahead(project))
    assert _traced(ahead) == _traced(alone) and _traced(alone)
    assert ahead.applied == alone.applied


def test_a_file_changed_after_the_read_ahead_is_applied_as_it_is_now(make_db: Callable[..., Database],
                                                                     project_factory: Callable[..., Project]) -> None:
    project = project_factory(FILES)
    ahead = read_ahead(project)
    second = project.migrations_dir / "20240102000000_policies.sql"
    ahead._thread.join()
    second.write_text("create table public.other (id int);\n")
    result = apply_project(make_db(), project, ahead=ahead)
    assert ("table", "public.other") in {(e.object_type, e.identity) for e in result.source_map.events}
    assert not result.source_map.events_for("policy", '"own notes" on public.notes')


def test_a_broken_file_fails_where_it_would_without_the_read_ahead(make_db: Callable[..., Database],
                                                                   project_factory: Callable[..., Project]) -> None:
    broken = {**FILES, "20240103000000_broken.sql": "create table public.x (id int);\ncreate tabel oops;\n"}
    project = project_factory(broken)
    alone = apply_project(make_db(), project, keep_going=True)
    ahead = apply_project(make_db(), project, keep_going=True, ahead=read_ahead(project))
    assert [str(f) for f in ahead.failures] == [str(f) for f in alone.failures]
    assert [f.location for f in alone.failures] == [f.location for f in ahead.failures]
    assert alone.failures and alone.failures[0].location.line == 2


def test_an_unreadable_file_is_left_to_apply(tmp_path: Path) -> None:
    ahead = ReadAhead([(tmp_path / "missing.sql", "missing.sql")])
    assert ahead.statements("missing.sql", "select 1") is None
    ahead.stop()


def test_the_thread_keeps_only_a_window_of_files_ahead(project_factory: Callable[..., Project]) -> None:
    """Split files wait for apply to take them: no more than WINDOW at a time."""
    many = {f"202401010000{i:02d}_t{i}.sql": f"create table public.t{i} (id int);\n" for i in range(20)}
    project = project_factory(many)
    ahead = read_ahead(project)
    deadline = time.monotonic() + 10
    while len(ahead._done) < ReadAhead.WINDOW and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert len(ahead._done) == ReadAhead.WINDOW
    assert ahead._thread.is_alive()
    for path in sorted(project.migrations_dir.iterdir()):
        assert ahead.statements(project.rel(path), path.read_text()) is not None
    ahead._thread.join(timeout=10)
    assert not ahead._thread.is_alive()


def test_stop_ends_a_waiting_thread(project_factory: Callable[..., Project]) -> None:
    many = {f"202401010000{i:02d}_t{i}.sql": f"create table public.t{i} (id int);\n" for i in range(20)}
    ahead = read_ahead(project_factory(many))
    time.sleep(0.1)
    ahead.stop()
    ahead._thread.join(timeout=10)
    assert not ahead._thread.is_alive()
