"""Headless Chromium from the system's packages (Debian's `chromium`), driven by Playwright.

Playwright's own browser download is never used: tests and `make docs-screenshot` launch the
system binary, with networking features that phone home switched off.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> Path | None:
    """SUPAKIT_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH."""
    configured = os.environ.get("SUPAKIT_CHROMIUM")
    for cand in (configured, "/usr/bin/chromium", shutil.which("chromium")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return Path(cand)
    return None


def unavailable() -> str | None:
    """Why no browser can run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "no system Chromium (apt-get install -y chromium; .ci/run installs it)"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched Browser; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium_path()), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
