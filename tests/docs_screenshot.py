"""`make docs-screenshot`: the HTML report of tests/fixtures/report_demo, photographed by the system
Chromium into docs/img/html-report.png (the top of the page: facts, heat map, first findings)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests import browser

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "tests" / "fixtures" / "report_demo"
OUT = REPO / "docs" / "img" / "html-report.png"
WIDTH, HEIGHT = 1280, 1500


def main() -> int:
    reason = browser.unavailable()
    if reason:
        print(f"docs-screenshot: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="supakit-shot-") as tmp:
        report = Path(tmp) / "report.html"
        proc = subprocess.run([sys.executable, "-m", "toolkit", "audit", "--project-dir", str(DEMO),
                               "--format", "html", "-o", str(report), "--fail-on", "never"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 2
        with browser.chromium() as b:
            page = b.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.goto(report.as_uri())
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT), clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT})
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
