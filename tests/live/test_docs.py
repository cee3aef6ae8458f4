"""The user docs stay true: the rule index is the registry's, the configuration page names every
setting, links resolve, and the quick start runs as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_files
from toolkit.project import SETTINGS_DEFAULTS
from toolkit.registry import all_rules
from toolkit.rule_pages import index, stale

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGES = ("index.md", "configuration.md", "exposure.md", "ci.md", "troubleshooting.md", "reports.md",
         "contributing.md")


def test_generated_rule_docs_are_current() -> None:
    """Page headers, the index and the squawk table are the registry's (docs/contributing.md)."""
    assert not [p.name for p in stale()], "docs/rules is stale: run `make docs`"


def test_a_stale_page_is_noticed(tmp_path: Path) -> None:
    shutil.copytree(DOCS / "rules", tmp_path / "rules")
    page = tmp_path / "rules" / "rls_disabled.md"
    page.write_text(page.read_text(encoding="utf-8").replace("**Level:** error", "**Level:** warn"),
                    encoding="utf-8")
    assert [p.name for p in stale(tmp_path / "rules")] == ["rls_disabled.md"]


def test_rule_index_lists_every_rule_and_its_page_exists() -> None:
    text = index(all_rules())
    for rule in all_rules():
        assert f"[`{rule.id}`]" in text
    for link in set(re.findall(r"\]\(([^)]+\.md)\)", text)):
        assert (DOCS / "rules" / link).is_file(), link


def test_configuration_page_has_every_setting() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### `([a-z_]+)`$", text, re.M))
    assert headings == set(SETTINGS_DEFAULTS), "document each key of SETTINGS_DEFAULTS under ### `key`"
    for key in ("schemas", "auto_expose_new_tables", "extra_search_path", "major_version"):
        assert f"`[api] {key}`" in text or f"`[db] {key}`" in text


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


@pytest.mark.parametrize("page", PAGES)
def test_links_resolve(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (DOCS / page).parent / path if path else DOCS / page
        assert dest.is_file(), f"{page}: broken link {target}"
        if anchor:
            anchors = {_slug(h) for h in re.findall(r"^#+ (.*)$", dest.read_text(encoding="utf-8"), re.M)}
            assert anchor in anchors, f"{page}: no heading for #{anchor} in {path or page}"


def test_readme_points_at_the_docs_index() -> None:
    assert "docs/index.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_quick_start_runs_as_written(engine, public_tmp: Path) -> None:  # type: ignore[no-untyped-def]
    """Each `supakit` line of the quick start, in a fresh project, through a shell."""
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, re.S)
    assert block is not None
    lines = [ln.split("  #")[0].strip() for ln in block.group(1).splitlines()]
    assert lines[0] == "pip install supakit" and lines[1].startswith("cd my-app")
    commands = lines[2:]
    assert commands and all(c.startswith("supakit ") for c in commands)
    root = write_files(public_tmp / "my-app", {})
    env = {**{k: v for k, v in os.environ.items() if k not in ("SUPAKIT_DB_URL", "DATABASE_URL")},
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    try:
        for command in commands:
            res = subprocess.run(["bash", "-c", command], cwd=root, env=env, capture_output=True, text=True,
                                 timeout=300)
            assert res.returncode == 0, f"{command}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
            if command == "supakit audit":
                assert "public.invoices" in res.stdout
        assert len(list((root / "supabase" / "migrations").glob("*_add_invoices.sql"))) == 1
        assert not (root / ".supakit" / "db").exists()
    finally:
        subprocess.run([sys.executable, "-m", "toolkit", "db", "stop", "--project-dir", str(root)],
                       capture_output=True, env=env)
