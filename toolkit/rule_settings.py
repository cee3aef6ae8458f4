"""`[tool.supakit.rules]`: switch any rule off, or give it another level, the same way whichever
stage reports it. `[tool.supakit.lint] disable` is read as part of `disable`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.errors import ConfigError, checked_table, did_you_mean
from toolkit.model import Finding, Level

KEYS = ("disable", "levels")
LEVELS = tuple(level.value for level in Level)
SQUAWK = "squawk/"  # squawk ids are checked by squawk itself: a newer squawk has more of them


@dataclass(frozen=True)
class RuleSettings:
    disabled: frozenset[str] = frozenset()
    levels: Mapping[str, Level] = field(default_factory=dict)

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings of enabled rules, at the level the settings give their rule."""
        out = []
        for f in findings:
            if f.rule in self.disabled:
                continue
            level = self.levels.get(f.rule)
            if level is not None:
                f.level = level
            out.append(f)
        return out


def check_shape(settings: dict[str, Any]) -> None:
    """Types only, so a mistake is reported when the settings are read, whatever the command."""
    raw = checked_table(settings.get("rules") or {}, "[tool.supakit.rules]", KEYS,
                        example="[tool.supakit.rules] disable = [...]")
    disable = raw.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(r, str) for r in disable):
        raise ConfigError('[tool.supakit.rules] disable must be a list of rule ids, e.g. '
                          'disable = ["identifier_not_snake_case"]')
    levels = raw.get("levels", {})
    if not isinstance(levels, dict):
        raise ConfigError('[tool.supakit.rules.levels] must be a table of rule id = level, e.g. '
                          'no_primary_key = "warn"')
    for rule_id, level in levels.items():
        if level not in LEVELS:
            raise ConfigError(f"[tool.supakit.rules.levels] {rule_id} = {level!r} is not a level"
                              f"{did_you_mean(str(level), LEVELS)} (use {', '.join(LEVELS)})")


def rule_settings(settings: dict[str, Any], where: str = "settings") -> RuleSettings:
    """The validated rule settings; an unknown rule id is a configuration error naming the
    closest known one. Imports every rule module (to know the ids) when the settings name any."""
    check_shape(settings)
    raw = settings.get("rules") or {}
    disable: list[str] = raw.get("disable", [])
    alias: list[str] = (settings.get("lint") or {}).get("disable", [])
    levels: dict[str, str] = raw.get("levels", {})
    if not (disable or alias or levels):
        return RuleSettings()  # nothing to check, so no rule module needs loading yet
    from toolkit.registry import all_rules

    known = sorted(r.id for r in all_rules())
    for section, ids in (("[tool.supakit.rules] disable", disable),
                         ("[tool.supakit.lint] disable", alias),
                         ("[tool.supakit.rules.levels]", list(levels))):
        for rule_id in ids:
            if not rule_id.startswith(SQUAWK) and rule_id not in known:
                raise ConfigError(f"{where}: {section}: unknown rule '{rule_id}'{did_you_mean(rule_id, known)}")
    return RuleSettings(frozenset([*disable, *alias]), {r: Level(v) for r, v in levels.items()})

