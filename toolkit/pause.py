"""A test hook: stop at a named stage so a test can interrupt supakit exactly there.

`SUPAKIT_TEST_PAUSE_AT=<stage>` makes `pause_point(<stage>)` say so on stderr and sleep, so
tests/hardening/test_interrupts.py can send SIGINT or SIGTERM at each stage. Unset, it costs one
environment lookup. Not a user setting: it exists only to prove the cleanup.
"""

from __future__ import annotations

import os
import sys
import time

ENV = "SUPAKIT_TEST_PAUSE_AT"
STAGES = ("initdb", "start", "shim", "template", "snapshot", "probe", "diff", "report")
PAUSE_S = 60.0


def pause_point(stage: str) -> None:
    if os.environ.get(ENV) != stage:
        return
    print(f"supakit: test hook: paused at {stage}", file=sys.stderr, flush=True)
    time.sleep(PAUSE_S)
