"""`[tool.supakit.lint]`: whether squawk runs and which of its rules. `disable` is an alias of
`[tool.supakit.rules] disable`, read by `toolkit.rule_settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolkit.errors import ConfigError, checked_table

KEYS = ("squawk", "squawk_exclude", "squawk_include", "disable")


@dataclass
class LintSettings:
    squawk: bool = True
    squawk_exclude: list[str] = field(default_factory=list)
    squawk_include: list[str] = field(default_factory=list)


def _str_list(raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.supakit.lint] {key} must be a list of rule names")
    return list(value)


def lint_settings(settings: dict[str, Any]) -> LintSettings:
    raw = checked_table(settings.get("lint") or {}, "[tool.supakit.lint]", KEYS,
                        example="[tool.supakit.lint] squawk = false")
    squawk = raw.get("squawk", True)
    if not isinstance(squawk, bool):
        raise ConfigError("[tool.supakit.lint] squawk must be true or false")
    _str_list(raw, "disable")
    return LintSettings(squawk, _str_list(raw, "squawk_exclude"), _str_list(raw, "squawk_include"))
