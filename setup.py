"""Build hook: the rule pages (docs/rules/*.md) ship inside the package, so `supakit rules ID`
prints the full page from an installed wheel. Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PAGES = Path(__file__).resolve().parent / "docs" / "rules"


class BuildWithRulePages(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "toolkit" / "docs" / "rules"
        target.mkdir(parents=True, exist_ok=True)
        for page in sorted(PAGES.glob("*.md")):
            shutil.copyfile(page, target / page.name)


setup(cmdclass={"build_py": BuildWithRulePages})
