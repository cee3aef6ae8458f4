"""Ctrl-C and SIGTERM reach the main thread whatever other threads run. The kernel hands a
signal sent to the process to any thread that does not block it; when it landed on the preload
thread, the main thread slept on through its pause or its wait for initdb (an interrupt test
timed out that way under load). Every thread supakit starts blocks them."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_files
from toolkit.engine.cleanup import leave_signals_to_main

WANTED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def blocked_here() -> set[int]:
    """Signals the calling thread blocks, from the kernel's own record."""
    status = Path(f"/proc/self/task/{threading.get_native_id()}/status").read_text()
    mask = int(next(line for line in status.splitlines() if line.startswith("SigBlk:")).split()[1], 16)
    return {int(s) for s in WANTED if mask >> (int(s) - 1) & 1}


def test_a_helper_thread_leaves_the_signals_to_the_main_thread() -> None:
    seen: list[set[int]] = []

    def helper() -> None:
        leave_signals_to_main()
        seen.append(blocked_here())

    t = threading.Thread(target=helper)
    t.start()
    t.join()
    assert seen == [{int(s) for s in WANTED}]
    assert blocked_here() == set()  # the main thread still takes them


def test_every_thread_of_an_audit_blocks_them(tmp_path: Path, engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The preload, the statement-timeout watchdog, the probe's lanes and their connectors, the
    rules beside the probe: each, at its end, still blocks what only the main thread handles."""
    from toolkit.cli import main

    write_files(tmp_path, {"20240101000000_notes.sql": (
        "create table public.notes (id bigint primary key, user_id uuid not null default auth.uid() "
        "references auth.users (id), body text);\n"
        "create index notes_user_id_idx on public.notes (user_id);\n"
        "alter table public.notes enable row level security;\n"
        "create policy notes_own on public.notes for all to authenticated\n"
        "  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);\n")})
    ended: dict[str, set[int]] = {}
    run = threading.Thread.run

    def recorded(self: threading.Thread) -> None:
        try:
            run(self)
        finally:
            ended[self.name] = blocked_here()

    monkeypatch.setattr(threading.Thread, "run", recorded)
    result = CliRunner().invoke(main, ["audit", "--project-dir", str(tmp_path), "--jobs", "2",
                                       "--statement-timeout", "30", "--format", "json"])
    assert result.exit_code == 0, result.output
    names = set(ended)
    assert {"supakit-preload", "supakit-timeout", "supakit-rules"} <= names, names
    assert any(n.startswith("supakit-lane-") for n in names), names
    assert {n: b for n, b in ended.items() if b != {int(s) for s in WANTED}} == {}
