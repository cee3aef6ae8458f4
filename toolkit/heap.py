"""The catalog snapshot is the largest structure a run builds, and it lives to the end. Python's
full collections walk every tracked object, so each one that lands in the rules or the probe
walks the whole snapshot again (at 1,000 tables about a tenth of a second of a live audit).
Once it is read, the heap is frozen: collections then look only at what the run makes after.
Frozen objects are still freed when nothing refers to them; only reference cycles already
garbage at that moment stay until the process ends, a few objects per run."""

from __future__ import annotations

import gc


def settle() -> None:
    """Freeze what exists now: the snapshot and everything loaded to read it."""
    gc.freeze()
