"""Import what the audit will need on a thread while the main thread waits for the server to
start, connect and answer the catalog queries. The rule modules (sqlglot, libpg_query's
bindings) and the reporter take a few tenths of a second to import, which that wait then hides.

Two threads importing at once are safe only when they never take two module locks in opposite
orders. Python locks a submodule before its package, so one thread importing `toolkit.audit`
(whose `__init__` imports `toolkit.audit.rules`) while another imports `toolkit.audit.rules`
can deadlock, and Python then raises in one of them. Hence the protocol: the caller has imported
the pipeline (and with it the engine package) before `preload`, and calls `wait` before its own
first import of a rule module or the report; in between, the main thread imports only modules
the thread does not, or plain ones whose package imports nothing (`toolkit.sql`)."""

from __future__ import annotations

import importlib
import threading

from toolkit.engine.cleanup import leave_signals_to_main

_loading: threading.Thread | None = None


def preload(fmt: str) -> None:
    """The database driver now (connecting needs it at once, and importing it beside the rest
    would only slow both down), then every rule module and the reporter of `fmt` on a thread."""
    global _loading
    import psycopg  # noqa: F401

    def load() -> None:
        leave_signals_to_main()
        try:
            from toolkit.registry import all_rules
            from toolkit.report import MODULES

            all_rules()
            if fmt in MODULES:
                importlib.import_module(MODULES[fmt])
        except Exception:  # noqa: BLE001 - the main thread's own import raises it again, where it runs
            return

    # Not a daemon: the interpreter waits for the imports to end rather than stop them midway.
    _loading = threading.Thread(target=load, name="supakit-preload")
    _loading.start()


def wait() -> None:
    """Return once the preloaded imports are done (at once when none were started)."""
    if _loading is not None:
        _loading.join()
