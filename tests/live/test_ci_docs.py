"""The CI examples users copy are valid YAML, and every `supakit` command in them is run here,
as written, against the example project in a scratch git repository with an `origin/main`."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.live.conftest import make_auditor
from toolkit.apply import apply_migrations
from toolkit.migrations import discover

REPO = Path(__file__).resolve().parents[2]
CI_DOC = REPO / "docs" / "ci.md"
HOOKS = REPO / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
# Lines in the examples that set the machine up rather than check anything; everything else runs.
SETUP_LINES = {
    "pip install supakit",
    "apt-get update -qq && apt-get install -y -qq postgresql",
    "git fetch origin main",
}
NEW_MIGRATION = """\
create table public.setlists (
    id bigint generated always as identity primary key,
    owner_id uuid not null default auth.uid() references auth.users (id),
    title text not null
);
create index setlists_owner_id_idx on public.setlists (owner_id);
alter table public.setlists enable row level security;
create policy "owners read setlists" on public.setlists for select to authenticated
    using ((select auth.uid()) = owner_id);
"""


def yaml_blocks(markdown: str) -> dict[str, Any]:
    """Every ```yaml block, keyed by the file name in its first-line comment."""
    out = {}
    for m in re.finditer(r"```yaml\n(.*?)```", markdown, re.S):
        body = m.group(1)
        first = body.splitlines()[0]
        assert first.startswith("# "), f"a YAML example must start with '# <file name>': {first!r}"
        out[first[2:].strip()] = yaml.safe_load(body)
    return out


def _run_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def commands(blocks: dict[str, Any]) -> list[tuple[str, str]]:
    """(file, command line) for every shell line of the GitHub and GitLab examples."""
    out: list[tuple[str, str]] = []
    for name, doc in blocks.items():
        if name.startswith(".github/workflows/"):
            for job in doc["jobs"].values():
                for step in job["steps"]:
                    out += [(name, line) for line in _run_lines(step.get("run", ""))]
        elif name == ".gitlab-ci.yml":
            for job in doc.values():
                for key in ("before_script", "script"):
                    out += [(name, line) for line in job.get(key, [])]
    return out


BLOCKS = yaml_blocks(CI_DOC.read_text(encoding="utf-8"))
COMMANDS = [(f, c) for f, c in commands(BLOCKS) if c not in SETUP_LINES]


def test_the_ci_page_has_every_example() -> None:
    assert set(BLOCKS) == {".pre-commit-config.yaml", ".github/workflows/supakit.yml",
                           ".github/workflows/predeploy.yml", ".gitlab-ci.yml"}
    every = {c for _, c in commands(BLOCKS)}
    for required in ("supakit check --base origin/main --format github",
                     "supakit check --base origin/main --format sarif --output supakit.sarif --fail-on never",
                     "supakit check --base origin/main --format markdown --output supakit.md --fail-on never",
                     "supakit audit --pending-only --format github",
                     "supakit check --base origin/main --format html --output supakit.html --fail-on never"):
        assert required in every
    assert all(c.startswith("supakit ") for _, c in COMMANDS), COMMANDS


@pytest.mark.parametrize("name", [".github/workflows/supakit.yml", ".github/workflows/predeploy.yml"])
def test_github_workflows_are_well_formed(name: str) -> None:
    wf = BLOCKS[name]
    assert wf.get(True) or wf.get("on")  # YAML 1.1 reads the key `on` as true
    for job in wf["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
    uses = [s.get("uses", "") for j in wf["jobs"].values() for s in j["steps"]]
    if name.endswith("supakit.yml"):
        assert "github/codeql-action/upload-sarif@v3" in uses
        upload = next(s for s in wf["jobs"]["migrations"]["steps"] if s.get("uses") == "actions/upload-artifact@v4")
        assert upload["with"]["path"] == "supakit.html" and upload["if"] == "always()"
        assert wf["jobs"]["migrations"]["permissions"]["security-events"] == "write"
        assert wf["jobs"]["migrations"]["steps"][0]["with"]["fetch-depth"] == 0


def test_gitlab_example_is_well_formed() -> None:
    doc = BLOCKS[".gitlab-ci.yml"]
    assert doc["supakit"]["artifacts"]["reports"]["junit"] == "supakit.xml"
    assert doc["supakit"]["artifacts"]["paths"] == ["supakit.html"]
    assert doc["supakit-predeploy"]["artifacts"]["reports"]["junit"] == "predeploy.xml"
    for job in doc.values():
        assert job["image"].startswith("python:") and job["script"]


def test_pre_commit_hooks_file() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert [h["id"] for h in hooks] == ["supakit-lint", "supakit-check"]
    for h in hooks:
        assert {"id", "name", "entry", "language"} <= set(h)
        assert h["language"] == "python" and h["entry"].startswith("supakit ")
        re.compile(h["files"])
    config = BLOCKS[".pre-commit-config.yaml"]
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["supakit-lint", "supakit-check"]


# --- running the commands ----------------------------------------------------------------------

def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory, engine) -> Iterator[tuple[Path, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """The example project on `main`, pushed to a bare `origin`, and a feature branch adding one
    clean migration; plus a database that applied `main` (so the new migration is pending)."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("ci")
    repo = base / "app"
    repo.mkdir()
    shutil.copytree(REPO / "supabase", repo / "supabase")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "example project")
    git(base, "init", "-q", "--bare", "origin.git")
    git(repo, "remote", "add", "origin", str(base / "origin.git"))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "supabase" / "migrations" / "20250201000000_add_setlists.sql").write_text(NEW_MIGRATION)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "setlists")
    db = engine.start()
    try:
        main_files = [mf for mf in discover(repo / "supabase" / "migrations", repo).files
                      if mf.version != "20250201000000"]
        apply_migrations(db, main_files)
        url = make_auditor(db)
        env = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)},
               "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               "SUPAKIT_DB_URL": url, "STAGING_DB_URL": url}
        yield repo, env
    finally:
        db.close()


def run(repo: Path, env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(("source", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_documented_command_passes_on_a_clean_change(scratch: tuple[Path, dict[str, str]], source: str,
                                                     command: str) -> None:
    repo, env = scratch
    res = run(repo, env, command)
    assert res.returncode == 0, f"{source}: {command}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    assert "Traceback" not in res.stderr
    args = shlex.split(command)
    if "--output" in args:
        out = repo / args[args.index("--output") + 1]
        text = out.read_text()
        fmt = args[args.index("--format") + 1] if "--format" in args else "text"
        if fmt == "sarif":
            assert json.loads(text)["version"] == "2.1.0"
        elif fmt == "junit":
            assert ET.fromstring(text).tag in ("testsuites", "testsuite")
        elif fmt == "markdown":
            assert text.startswith("<!-- supakit-report -->")
        elif fmt == "html":
            assert text.startswith("<!doctype html>") and 'id="heat"' in text
    if "--pending-only" in args and "--format" in args and "github" in args:
        assert "title=pending_migration" in res.stdout
        assert "20250201000000_add_setlists.sql" in res.stdout


def test_the_gate_fails_when_a_merged_migration_is_edited(scratch: tuple[Path, dict[str, str]]) -> None:
    repo, env = scratch
    gate = next(c for f, c in COMMANDS if f.endswith("supakit.yml") and "--format github" in c)
    first = sorted((repo / "supabase" / "migrations").glob("*.sql"))[0]
    original = first.read_text()
    try:
        first.write_text(original + "\nselect 1;\n")
        res = run(repo, env, gate)
        assert res.returncode == 1, res.stderr
        assert re.search(r"^::error .*title=migration_edited::", res.stdout, re.M), res.stdout
    finally:
        first.write_text(original)


def test_pre_commit_hooks_run_as_pre_commit_would(scratch: tuple[Path, dict[str, str]]) -> None:
    """pre-commit runs `entry`, plus the staged file names matching `files` unless
    pass_filenames is false."""
    repo, env = scratch
    staged = ["supabase/migrations/20250201000000_add_setlists.sql", "README.md"]
    for hook in yaml.safe_load(HOOKS.read_text()):
        files = [f for f in staged if re.search(hook["files"], f)]
        argv = shlex.split(hook["entry"]) + hook.get("args", []) + (files if hook.get("pass_filenames", True) else [])
        res = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, (hook["id"], res.stdout[-2000:], res.stderr[-2000:])
    bad = repo / "supabase" / "migrations" / "20250301000000_oops.sql"
    bad.write_text("alter table public.profiles disable row level security;\n")
    try:
        lint = next(h for h in yaml.safe_load(HOOKS.read_text()) if h["id"] == "supakit-lint")
        res = subprocess.run([*shlex.split(lint["entry"]), str(bad.relative_to(repo))], cwd=repo, env=env,
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 1 and "rls_disabled_statement" in res.stdout
    finally:
        bad.unlink()


def uploaded(blocks: dict[str, Any]) -> set[str]:
    """Every file the GitHub and GitLab examples upload, attach or publish."""
    out: set[str] = set()
    for job in blocks[".github/workflows/supakit.yml"]["jobs"].values():
        for step in job["steps"]:
            given = step.get("with") or {}
            out.update(str(given[k]) for k in ("sarif_file", "path") if k in given)
    for job in blocks[".gitlab-ci.yml"].values():
        artifacts = job.get("artifacts") or {}
        out.update(artifacts.get("paths") or [])
        out.update((artifacts.get("reports") or {}).values())
    return out


def test_a_broken_migration_still_produces_every_uploaded_artifact(scratch: tuple[Path, dict[str, str]]) -> None:
    """The most common failing pull request: a migration that does not apply. Every step still
    leaves the file the next step uploads (issue 17, item 1)."""
    repo, env = scratch
    artifacts = uploaded(BLOCKS)
    assert artifacts == {"supakit.sarif", "supakit.md", "supakit.html", "supakit.xml", "predeploy.xml"}
    broken = repo / "supabase" / "migrations" / "20250301000000_broken.sql"
    broken.write_text("-- typo\ncreate policy p on public.setlists for select usng (true);\n")
    try:
        for name in artifacts:
            (repo / name).unlink(missing_ok=True)
        for source, command in COMMANDS:
            if source.endswith("predeploy.yml"):
                continue  # its steps upload nothing
            res = run(repo, env, command)
            # the live audit reads the deployed database; the broken file is only pending there
            expected = (0, 1) if "$STAGING_DB_URL" in command else (1, 2)
            assert res.returncode in expected, f"{command}: {res.returncode}\n{res.stderr[-2000:]}"
            assert "Traceback" not in res.stderr, res.stderr
            if "--format github" in command and "--pending-only" not in command:
                assert "title=sql_syntax_error::" in res.stdout and "line=2" in res.stdout
        for name in sorted(artifacts):
            text = (repo / name).read_text()
            assert "20250301000000_broken.sql" in text, name
    finally:
        broken.unlink()
        for name in artifacts:
            (repo / name).unlink(missing_ok=True)
