"""Find the project and read its settings: supabase/config.toml and our own [tool.supakit]."""

from __future__ import annotations

import contextlib
import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.errors import ConfigError, checked_table, did_you_mean
from toolkit.model import DEFAULT_EXTRA_SEARCH_PATH

if TYPE_CHECKING:
    from toolkit.rule_settings import RuleSettings

DEFAULT_API_SCHEMAS = ("public", "graphql_public")


@dataclass
class SupabaseConfig:
    api_schemas: tuple[str, ...] = DEFAULT_API_SCHEMAS
    extra_search_path: tuple[str, ...] = DEFAULT_EXTRA_SEARCH_PATH
    auto_expose_new_tables: bool | None = None
    major_version: int | None = None
    schema_paths: tuple[str, ...] | None = None  # [db.migrations] schema_paths: declared schema globs


# Every key [tool.supakit] / supakit.toml accepts, with its default. Unknown keys are errors.
SETTINGS_DEFAULTS: dict[str, Any] = {
    "fail_on": "error",
    "exposure": None,  # legacy | explicit; None = from config.toml, else legacy
    "schemas": None,  # override the exposed schemas
    "ignore": [],  # [{rule = "...", object = "public.t", reason = "..."}]
    "baseline": None,
    "lint": {},
    "rules": {},  # disable = [...], levels = {rule_id = "warn"} (rule_settings.py)
    "expect": {},
    "probe": {},
    "sensitive_columns": [],
    "absent_extensions": [],  # unavailable extensions whose create extension is skipped (extensions.py)
    "statement_timeout": None,  # seconds or "90s"/"2min" a migration statement may run (apply.py); 0 = off
}


@dataclass
class Project:
    root: Path
    supabase_dir: Path
    config: SupabaseConfig
    settings: dict[str, Any] = field(default_factory=lambda: dict(SETTINGS_DEFAULTS))
    settings_file: Path | None = None
    has_folder: bool = True  # False: no supabase/ folder, only a live database to audit

    @property
    def migrations_dir(self) -> Path:
        return self.supabase_dir / "migrations"

    @property
    def seed_file(self) -> Path:
        return self.supabase_dir / "seed.sql"

    def rel(self, p: Path) -> str:
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()

    @property
    def exposed_schemas(self) -> tuple[str, ...]:
        override = self.settings.get("schemas")
        return tuple(override) if override else self.config.api_schemas

    @functools.cached_property
    def rules(self) -> RuleSettings:
        """Which rules are off or re-levelled ([tool.supakit.rules]), checked against the registry."""
        from toolkit.rule_settings import rule_settings

        with in_file_terms(self.settings_file):
            return rule_settings(self.settings, str(self.settings_file or "settings"))

    def exposure_mode(self, option: str | None = None) -> str:
        """config.toml's auto_expose_new_tables=false wins, then the option, then settings, then legacy."""
        if self.config.auto_expose_new_tables is False:
            return "explicit"
        return option or self.settings.get("exposure") or "legacy"


def find_project(project_dir: Path | None = None, *, start: Path | None = None,
                 folder_optional: bool = False) -> Project:
    """The project at `project_dir`, or in the nearest folder holding supabase/. With
    `folder_optional` (a live database to audit) and no such folder, a project of the current
    folder's settings and Supabase's defaults, with no migrations."""
    if project_dir is not None:
        root = project_dir
        if not root.exists():
            raise ConfigError(f"{root}: no such folder")
        if root.name == "supabase" and not (root / "supabase").is_dir() and (root / "migrations").is_dir():
            root = root.parent
        if not (root / "supabase").is_dir():
            raise ConfigError(f"{root}: no supabase/ folder here (expected {root / 'supabase'})")
    else:
        here = (start or Path.cwd()).resolve()
        for cand in (here, *here.parents):
            if (cand / "supabase").is_dir():
                root = cand
                break
        else:
            if folder_optional:
                settings, settings_file = read_settings(here)
                return Project(root=here, supabase_dir=here / "supabase", config=SupabaseConfig(),
                               settings=settings, settings_file=settings_file, has_folder=False)
            raise ConfigError(
                f"no supabase/ folder found in {here} or any parent; run `supabase init`, "
                "or pass --project-dir"
            )
    sdir = root / "supabase"
    if not _readable_dir(sdir):
        raise ConfigError(f"{sdir}: folder is not readable")
    config = read_supabase_config(sdir / "config.toml")
    settings, settings_file = read_settings(root)
    return Project(root=root, supabase_dir=sdir, config=config, settings=settings, settings_file=settings_file)


def _readable_dir(p: Path) -> bool:
    try:
        next(iter(p.iterdir()), None)
    except OSError:
        return False
    return True


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None


def read_supabase_config(path: Path) -> SupabaseConfig:
    cfg = SupabaseConfig()
    if not path.is_file():
        return cfg
    data = _load_toml(path)
    api = data.get("api") or {}
    if isinstance(api.get("schemas"), list):
        cfg.api_schemas = tuple(str(s) for s in api["schemas"])
    if isinstance(api.get("extra_search_path"), list):
        cfg.extra_search_path = tuple(str(s) for s in api["extra_search_path"])
    if isinstance(api.get("auto_expose_new_tables"), bool):
        cfg.auto_expose_new_tables = api["auto_expose_new_tables"]
    db = data.get("db") or {}
    if isinstance(db.get("major_version"), int):
        cfg.major_version = db["major_version"]
    paths = (db.get("migrations") or {}).get("schema_paths")
    if paths is not None:
        if not isinstance(paths, list) or not all(isinstance(x, str) and x.strip() for x in paths):
            raise ConfigError(f"{path}: [db.migrations] schema_paths must be a list of paths or globs, "
                              'e.g. schema_paths = ["./schemas/*.sql"]')
        cfg.schema_paths = tuple(paths)
    return cfg


def read_settings(root: Path, explicit: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """`--config FILE`, else supakit.toml, else [tool.supakit] in pyproject.toml."""
    raw: dict[str, Any] = {}
    source: Path | None = None
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        data = _load_toml(explicit)
        raw = data.get("tool", {}).get("supakit", data) if "tool" in data else data
        source = explicit
    elif (root / "supakit.toml").is_file():
        source = root / "supakit.toml"
        raw = _load_toml(source)
    elif (root / "pyproject.toml").is_file():
        data = _load_toml(root / "pyproject.toml")
        tool = data.get("tool", {}).get("supakit")
        if tool is not None:
            raw, source = tool, root / "pyproject.toml"
    return validate_settings(raw, source), source


@contextlib.contextmanager
def in_file_terms(source: Path | None) -> Iterator[None]:
    """Configuration errors name tables as the file spells them: `[tool.supakit.lint]` in
    pyproject.toml, `[lint]` in supakit.toml."""
    try:
        yield
    except ConfigError as e:
        if source is None or source.name == "pyproject.toml":
            raise
        raise ConfigError(str(e).replace("[tool.supakit.", "[")) from None


def validate_settings(raw: dict[str, Any], source: Path | None) -> dict[str, Any]:
    with in_file_terms(source):
        return _validated(raw, source)


def _validated(raw: dict[str, Any], source: Path | None) -> dict[str, Any]:
    where = str(source) if source else "settings"
    out = dict(SETTINGS_DEFAULTS)
    for key, value in raw.items():
        if key not in SETTINGS_DEFAULTS:
            hint = did_you_mean(key, SETTINGS_DEFAULTS)
            if key == "tool" and source is not None and source.name != "pyproject.toml":
                hint = f" (in {source.name} the settings sit at the top level, without [tool.supakit])"
            raise ConfigError(f"{where}: unknown key '{key}'{hint}")
        out[key] = value
    if out["fail_on"] not in ("error", "warn", "info", "never"):
        raise ConfigError(f"{where}: fail_on must be one of error, warn, info, never (got {out['fail_on']!r})")
    if out["exposure"] not in (None, "legacy", "explicit"):
        raise ConfigError(f"{where}: exposure must be 'legacy' or 'explicit' (got {out['exposure']!r})")
    if not isinstance(out["ignore"], list):
        raise ConfigError(f"{where}: ignore must be a list of tables")
    for i, item in enumerate(out["ignore"]):
        validate_ignore_entry(item, f"{where}: ignore[{i}]")
    _check_value_types(out, where)
    statement_timeout_setting(out["statement_timeout"], source)
    out["expect"] = validate_expect(out["expect"], where)
    validate_probe(out["probe"], where)
    return out


DEFAULT_STATEMENT_TIMEOUT = 60.0  # seconds a migration statement may run (apply.py)
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}


def parse_statement_timeout(value: Any) -> float:
    """Seconds from a number of seconds or a text such as "90s", "2min", "500ms"; 0 turns it off.
    Raises ValueError with the accepted forms."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("must be a number of seconds or a duration such as \"90s\" or \"2min\" (0 turns it off)")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _DURATION.fullmatch(value)
        if m is None:
            raise ValueError(f"{value!r} is not a duration; use seconds or e.g. \"90s\", \"2min\", \"500ms\" "
                             "(0 turns it off)")
        seconds = float(m.group(1)) * _UNIT_SECONDS[(m.group(2) or "s").lower()]
    if seconds < 0:
        raise ValueError("must not be negative (0 turns it off)")
    return seconds


def statement_timeout_setting(value: Any, source: Path | None) -> float:
    """The `statement_timeout` setting, in seconds (default DEFAULT_STATEMENT_TIMEOUT)."""
    if value is None:
        return DEFAULT_STATEMENT_TIMEOUT
    try:
        return parse_statement_timeout(value)
    except ValueError as e:
        raise ConfigError(f"{source or 'settings'}: statement_timeout {e}") from None


IGNORE_KEYS = ("rule", "object", "reason")


def validate_ignore_entry(item: Any, where: str) -> None:
    if not isinstance(item, dict) or not item.get("rule") or not item.get("reason"):
        raise ConfigError(f"{where} needs a 'rule' and a 'reason'")
    checked_table(item, where, IGNORE_KEYS)
    for key in IGNORE_KEYS:
        if key in item and not isinstance(item[key], str):
            raise ConfigError(f"{where}.{key} must be a string, e.g. {key} = \"{_IGNORE_EXAMPLE[key]}\"")
    if not item["reason"].strip():
        raise ConfigError(f"{where} needs a 'rule' and a 'reason'")


_IGNORE_EXAMPLE = {"rule": "rls_*", "object": "public.countries", "reason": "reference data"}
_NAME_LISTS = {"schemas": ("schema names", '["public", "api"]'),
               "sensitive_columns": ("column names or patterns", '["ssn", "profiles.phone"]'),
               "absent_extensions": ("extension names", '["timescaledb"]')}


def _check_value_types(out: dict[str, Any], where: str) -> None:
    """Every key's type, so a mistake is reported when the settings are read, whatever the command."""
    for key, (what, example) in _NAME_LISTS.items():
        value = out[key]
        if value is None and key == "schemas":
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value) or (
                key == "schemas" and not value):
            raise ConfigError(f"{where}: {key} must be a list of {what}, e.g. {key} = {example}")
    baseline = out["baseline"]
    if baseline is not None and (not isinstance(baseline, str) or not baseline.strip() or "\x00" in baseline):
        raise ConfigError(f'{where}: baseline must be a file path, e.g. baseline = "supakit-baseline.json"')
    from toolkit.lint_settings import lint_settings
    from toolkit.rule_settings import check_shape

    try:
        lint_settings(out)
        check_shape(out)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None


# Declared access per table ([tool.supakit.expect.<table>]), most open first.
EXPECT_LEVELS = ("public", "authenticated", "tenant", "owner", "none")
EXPECT_COMMANDS = ("select", "insert", "update", "delete", "all", "call")  # call: a function over /rpc
PROBE_SETTINGS = {"enabled": bool, "storage": bool, "functions": bool, "skip": list}



def validate_expect(raw: Any, where: str) -> dict[str, dict[str, str]]:
    """{table: {command: level}}; `[expect.public.profiles]` nests a schema, which is flattened
    to 'public.profiles'."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expect must hold one table per database table, "
                          "e.g. [tool.supakit.expect.profiles] select = \"owner\"")
    out: dict[str, dict[str, str]] = {}
    for name, spec in raw.items():
        if isinstance(spec, dict) and spec and all(isinstance(v, dict) for v in spec.values()):
            for table, inner in spec.items():
                out[f"{name}.{table}"] = _expect_table(f"{name}.{table}", inner, where)
        else:
            out[str(name)] = _expect_table(str(name), spec, where)
    return out


def _expect_table(name: str, spec: Any, where: str) -> dict[str, str]:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expect.{name} must be a table such as "
                          "{ select = \"public\", update = \"owner\" }")
    for command, level in spec.items():
        if command not in EXPECT_COMMANDS:
            raise ConfigError(f"{where}: expect.{name}: unknown command '{command}'"
                              f"{did_you_mean(str(command), EXPECT_COMMANDS)} "
                              f"(use {', '.join(EXPECT_COMMANDS)})")
        if level not in EXPECT_LEVELS:
            raise ConfigError(f"{where}: expect.{name}.{command} = {level!r} is not an access level"
                              f"{did_you_mean(str(level), EXPECT_LEVELS)} (use {', '.join(EXPECT_LEVELS)})")
    return {str(k): str(v) for k, v in spec.items()}


def declared_call(expect: dict[str, dict[str, str]], schema: str, name: str) -> str | None:
    """Who may call a function and see or change other users' data, as declared with
    `[expect.<function>] call = "..."` (by bare or schema-qualified name)."""
    spec = expect.get(f"{schema}.{name}") or expect.get(name) or {}
    return spec.get("call")


def validate_probe(raw: Any, where: str) -> None:
    checked_table(raw, f"{where}: probe", list(PROBE_SETTINGS), example="[tool.supakit.probe] skip = [...]")
    for key, value in raw.items():
        if not isinstance(value, PROBE_SETTINGS[key]):
            raise ConfigError(f"{where}: probe.{key} must be a "
                              f"{'list of table or function names' if key == 'skip' else 'boolean'}")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: probe.skip must be a list of table or function names")
