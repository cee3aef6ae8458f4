"""`supakit --help` stays fast because the CLI module imports no heavy library until a command
needs it; checked by what is loaded, not by a clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("psycopg", "sqlglot", "rich", "postgast", "google.protobuf")
# The differ only `supakit diff` loads.
DIFFER = ("sqlalchemy", "migra", "schemainspect", "sqlbag")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def _heavy(modules: set[str], heavy: tuple[str, ...] = HEAVY + DIFFER) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy)}


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _heavy(_loaded_after("import toolkit.cli")) == set()


def test_help_runs_without_heavy_libraries() -> None:
    code = ("from click.testing import CliRunner\nfrom toolkit.cli import main\n"
            "for args in (['--help'], ['audit', '--help'], ['lint', '--help'], ['check', '--help'], ['diff', '--help']):\n"
            "    res = CliRunner().invoke(main, args)\n    assert res.exit_code == 0, res.output")
    assert _heavy(_loaded_after(code)) == set()


def test_the_check_sees_a_heavy_import() -> None:
    """The probe itself can fail: a module that does import psycopg is caught."""
    assert "psycopg" in _heavy(_loaded_after("import toolkit.cli\nimport toolkit.catalog\nimport psycopg"))


def test_no_other_command_loads_the_differ() -> None:
    """Every module the other commands run (pipeline, lint, checks, probe, reports, rule listing)
    and `supakit diff`'s own glue import without migra or SQLAlchemy."""
    code = ("import toolkit.pipeline, toolkit.lint, toolkit.checks.gate, toolkit.probe.run, toolkit.report, "
            "toolkit.db_cmd, toolkit.diff.run, toolkit.diff.command\n"
            "from toolkit.registry import all_rules\nall_rules()")
    assert _heavy(_loaded_after(code), DIFFER) == set()


# Packages whose __init__ imports their own submodules, which the audit's preload thread imports
# (toolkit/preload.py): a main thread entering one at another module while the preload runs could
# deadlock with it. (postgast and protobuf the main thread imports for apply, as the preload
# does; both threads enter them at the package, and protobuf's __init__ imports nothing.)
PRELOADED = ("toolkit.audit", "toolkit.facts", "toolkit.lint", "sqlglot")

_SPY = """
import json, sys, threading
import toolkit.preload as preload
import toolkit.registry as registry
early, catalog, all_rules = [], threading.Event(), registry.all_rules
def held_back():  # the preload's rule imports start once the main thread is at the snapshot
    catalog.wait(60)
    return all_rules()
registry.all_rules = held_back
class Spy:
    def find_spec(self, name, path=None, target=None):
        loading = preload._loading
        if threading.current_thread() is threading.main_thread() and loading is not None and loading.is_alive():
            early.append(name)
            if name == "toolkit.catalog":
                catalog.set()
        return None
sys.meta_path.insert(0, Spy())
from toolkit.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(early))
"""


def test_the_main_thread_leaves_the_preloaded_packages_to_the_preload(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """While the audit's preload imports the rule modules, its main thread (starting the
    database, applying, taking the snapshot) imports none of those packages itself. A spy holds
    the preload's rule imports back until the main thread reaches the snapshot, and records the
    main thread's first imports while the preload runs."""
    mdir = tmp_path / "supabase" / "migrations"
    mdir.mkdir(parents=True)
    (mdir / "20240101000000_notes.sql").write_text(
        "create table public.notes (id bigint primary key, user_id uuid references auth.users (id));\n"
        "alter table public.notes enable row level security;\n"
        "create policy own on public.notes for select to authenticated using (user_id = (select auth.uid()));\n",
        encoding="utf-8")
    tmp_path.chmod(0o755)
    out = subprocess.run([sys.executable, "-c", _SPY, "audit", "--project-dir", str(tmp_path), "--no-probe",
                          "--format", "json", "--output", str(tmp_path / "r.json"), "--fail-on", "never"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    early = json.loads(out.strip().splitlines()[-1])
    assert json.loads((tmp_path / "r.json").read_text())["findings"] is not None
    assert "toolkit.catalog" in early  # the spy saw the main thread at the snapshot
    assert _heavy(set(early), PRELOADED) == set(), early


def test_lint_loads_no_audit_rule_and_no_policy_parser(tmp_path: Path) -> None:
    """`supakit lint` (and the suppressions it judges) needs only lint's own rules: the audit's
    rule modules and sqlglot cost a fifth of a second a run."""
    mig = tmp_path / "supabase" / "migrations"
    mig.mkdir(parents=True)
    (mig / "20240101000000_init.sql").write_text(
        "create table public.notes (id bigint primary key); -- supakit-ignore: table_without_rls -- a test\n"
        "create table public.todos (id bigint primary key);\n")
    code = ("from click.testing import CliRunner\nfrom toolkit.cli import main\n"
            f"res = CliRunner().invoke(main, ['lint', '--project-dir', {str(tmp_path)!r}, '--no-squawk',"
            " '--format', 'json'])\nassert res.exit_code == 1, res.output\n"
            "assert 'table_without_rls' in res.output, res.output")
    loaded = _loaded_after(code)
    assert not {m for m in loaded if m.startswith("toolkit.audit") or m.startswith("sqlglot")}
    assert "toolkit.lint.rules.rls" in loaded  # the check can fail: lint's own rules did load
