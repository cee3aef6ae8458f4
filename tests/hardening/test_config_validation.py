"""Settings are checked when they are read, whatever the command: a wrong key or type is one
line naming the file and the key, with the closest valid key; and whatever values get through,
every part that reads them later raises nothing but a ConfigError."""

from __future__ import annotations

import string
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write_files
from toolkit.cli import main
from toolkit.errors import ConfigError
from toolkit.extensions import absent_extensions_setting
from toolkit.lint import lint_project
from toolkit.model import RunResult
from toolkit.project import (
    SETTINGS_DEFAULTS,
    Project,
    SupabaseConfig,
    find_project,
    validate_settings,
)
from toolkit.suppress import apply_suppressions, configured_baseline

BAD = {
    'fail-on = "warn"': "unknown key 'fail-on'; did you mean 'fail_on'?",
    'fail_on = "warning"': "fail_on must be one of error, warn, info, never (got 'warning')",
    'exposure = "public"': "exposure must be 'legacy' or 'explicit'",
    'schemas = "public"': 'schemas must be a list of schema names, e.g. schemas = ["public", "api"]',
    "schemas = []": "schemas must be a list of schema names",
    "schemas = [1]": "schemas must be a list of schema names",
    'ignore = "rls_disabled"': "ignore must be a list of tables",
    '[[ignore]]\nrule = "rls_disabled"': "ignore[0] needs a 'rule' and a 'reason'",
    '[[ignore]]\nrule = "rls_disabled"\nreason = "  "': "ignore[0] needs a 'rule' and a 'reason'",
    '[[ignore]]\nrule = "rls_disabled"\nreason = "r"\nobjekt = "public.t"':
        "ignore[0]: unknown key 'objekt'; did you mean 'object'?",
    '[[ignore]]\nrule = "rls_disabled"\nreason = "r"\nobject = 3': "ignore[0].object must be a string",
    "baseline = 3": "baseline must be a file path",
    'baseline = "a\\u0000b"': "baseline must be a file path",
    "lint = 3": "[lint] must be a table",
    "[lint]\ndisabel = []": "unknown key 'disabel'; did you mean 'disable'?",
    '[lint]\nsquawk = "yes"': "squawk must be true or false",
    '[lint]\nsquawk_exclude = "ban-drop-column"': "squawk_exclude must be a list of rule names",
    '[expect.profiles]\nselct = "owner"': "expect.profiles: unknown command 'selct'; did you mean 'select'?",
    '[expect.profiles]\nselect = "ownr"': "is not an access level; did you mean 'owner'?",
    '[probe]\nskipp = []': "probe: unknown key 'skipp'; did you mean 'skip'?",
    '[probe]\nenabled = "no"': "probe.enabled must be a boolean",
    'sensitive_columns = "ssn"': "sensitive_columns must be a list of column names or patterns",
    "absent_extensions = [1]": "absent_extensions must be a list of extension names",
    '[tool.supakit]\nfail_on = "warn"': "unknown key 'tool' (in supakit.toml the settings sit at the top level",
}


@pytest.mark.parametrize(("toml", "message"), BAD.items(), ids=range(len(BAD)))
def test_bad_settings_are_one_line_naming_file_and_key(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "supabase").mkdir()
    (tmp_path / "supakit.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError) as e:
        find_project(tmp_path)
    assert str(e.value).startswith(f"{tmp_path / 'supakit.toml'}: ")
    assert message in str(e.value) and "\n" not in str(e.value)


def test_pyproject_settings_are_checked_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "supabase").mkdir()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.supakit.probe]
        skip = "public.t"
    """))
    with pytest.raises(ConfigError, match=r"pyproject\.toml: probe\.skip must be a list of table or function names"):
        find_project(tmp_path)


@pytest.mark.parametrize("command", [["lint"], ["audit", "--no-probe"], ["check"], ["probe"], ["db", "start"]])
def test_every_command_stops_on_bad_settings_before_any_work(tmp_path: Path, command: list[str]) -> None:
    root = write_files(tmp_path / "p", {"20240101000000_a.sql": "select 1;\n"}, settings="[lint]\ndisabel = []\n")
    res = CliRunner().invoke(main, [*command, "--project-dir", str(root)])
    assert res.exit_code == 2, res.output
    assert res.stderr.count("\n") == 1 and "unknown key 'disabel'; did you mean 'disable'?" in res.stderr


NAMES = st.text(string.ascii_lowercase + "_.*", min_size=0, max_size=12)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), NAMES, st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.one_of(NAMES, st.sampled_from(
        ["rule", "object", "reason", "squawk", "disable", "select", "owner", "skip", "enabled"])), inner, max_size=3)),
    max_leaves=8)
KEYS = st.one_of(st.sampled_from(sorted(SETTINGS_DEFAULTS)), NAMES)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(st.dictionaries(KEYS, VALUES, max_size=4))
def test_whatever_passes_validation_never_breaks_a_later_reader(tmp_path: Path, raw: dict[str, object]) -> None:
    try:
        checked = validate_settings(raw, tmp_path / "supakit.toml")
    except ConfigError:
        return
    root = write_files(tmp_path / "p", {})
    project = Project(root=root, supabase_dir=root / "supabase", config=SupabaseConfig(), settings=checked,
                      settings_file=tmp_path / "supakit.toml")
    try:
        absent_extensions_setting(checked["absent_extensions"], project.settings_file)
        lint_project(project, squawk=False)
        apply_suppressions(RunResult(findings=[], coverage=[], info={}), project,
                           configured_baseline(project, None))
    except ConfigError:
        pass
