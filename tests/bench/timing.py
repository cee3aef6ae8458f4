"""Small helpers the benchmark shares: repeated timings, medians, a plain-text table."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # 1-minute load average after each sample

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def cell(self) -> str:
        if not self.samples:
            return "—"
        return f"{fmt_s(self.median)} ({len(self.samples)})"

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)
        self.loads.append(os.getloadavg()[0])

    def load_cell(self) -> str:
        """The load average the samples were taken at, as a range."""
        if not self.loads:
            return "—"
        low, high = min(self.loads), max(self.loads)
        return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}–{high:.1f}"


def fmt_s(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "—"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def repeat(fn: Callable[[], Any], times: int) -> tuple[Timing, Any]:
    """Time `fn` `times` times; the last return value comes back so callers can check the work."""
    timing = Timing()
    result: Any = None
    for _ in range(times):
        t0 = time.perf_counter()
        result = fn()
        timing.add(time.perf_counter() - t0)
    return timing, result


def run_process(args: Sequence[str], *, env: dict[str, str] | None = None, ok: Sequence[int] = (0,),
                timeout: float = 600) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of one process run; a run that fails is an error, not a fast sample."""
    t0 = time.perf_counter()
    res = subprocess.run(list(args), capture_output=True, text=True, env={**os.environ, **(env or {})},
                         timeout=timeout)
    took = time.perf_counter() - t0
    if res.returncode not in ok:
        tail = (res.stderr or res.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{args[0]} exited {res.returncode}: {' | '.join(tail)}")
    return took, res


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"
