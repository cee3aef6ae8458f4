"""`supakit --help` stays fast because the CLI module imports no heavy library until a command
needs it; checked by what is loaded, not by a clock."""

from __future__ import annotations

import json
import subprocess
import sys

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
