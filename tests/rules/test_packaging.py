"""The rule pages ship in the wheel: `supakit rules ID` from an installed copy, run away from the
checkout, prints the full page (not the short fallback)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from toolkit.rules_doc import show_rule

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("toolkit", "docs/rules", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def test_an_installed_wheel_prints_the_rule_pages(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for rel in SOURCES:
        if (REPO / rel).is_dir():
            shutil.copytree(REPO / rel, src / rel, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / rel, src / rel)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run([*pip[:-1], "-v", "wheel", "--no-deps", "--no-build-isolation", "-w",
                            str(tmp_path / "dist"), str(src)], check=True, capture_output=True, text=True,
                           timeout=300)
    assert "project.license" not in built.stdout + built.stderr  # `make audit` printed it twice
    (wheel,) = (tmp_path / "dist").glob("supakit-*.whl")
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True,
                   capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import toolkit; print(toolkit.__file__)"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(site), "the installed copy, not the checkout"
    shown = subprocess.run([str(site / "bin" / "supakit"), "rules", "rls_disabled"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "## How to suppress" in shown.stdout and "is not installed" not in shown.stdout
    assert shown.stdout == show_rule("rls_disabled") + "\n"  # the page as the checkout shows it
