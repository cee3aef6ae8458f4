"""One registry of every rule supakit can report, whichever stage finds it (ruff-style).

Rules declare themselves with `register(RuleInfo(id="...", ...))` at import time; `all_rules()`
imports every rule module so listings, SARIF rule tables and docs checks see them all.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from toolkit.model import Category, Level

DOCS_BASE = "docs/rules"
RULE_MODULES = (
    "toolkit.audit.rules",
    "toolkit.lint.rules",
    "toolkit.probe.rules",
    "toolkit.checks",
    "toolkit.pipeline_rules",
    "toolkit.suppress",
    "toolkit.drift",
    "toolkit.diff.gaps",
)


@dataclass(frozen=True)
class RuleInfo:
    id: str
    level: Level  # default level; a rule may raise or lower it per finding
    category: Category
    summary: str  # one line, shown by `supakit rules` and in SARIF
    stage: str  # audit | lint | probe | check | apply
    # The Supabase advisor (splinter) lints this rule covers, as splinter names them:
    # "0013_rls_disabled_in_public". docs/advisors.md says where supakit differs.
    advisors: tuple[str, ...] = ()

    @property
    def doc_path(self) -> str:
        return doc_path_for(self.id)


def doc_path_for(rule_id: str) -> str:
    """Every `squawk/<name>` rule shares one page that explains the mapping."""
    if rule_id.startswith("squawk/"):
        return f"{DOCS_BASE}/squawk.md"
    return f"{DOCS_BASE}/{rule_id.replace('/', '_')}.md"


_RULES: dict[str, RuleInfo] = {}


def register(info: RuleInfo) -> RuleInfo:
    existing = _RULES.get(info.id)
    if existing is not None and existing != info:
        raise ValueError(f"rule id {info.id!r} registered twice with different metadata")
    _RULES[info.id] = info
    return info


def get(rule_id: str) -> RuleInfo | None:
    all_rules()
    return _RULES.get(rule_id)


def all_rules() -> list[RuleInfo]:
    for mod in RULE_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name is None or not mod.startswith(e.name):
                raise
    return sorted(_RULES.values(), key=lambda r: (r.stage, r.id))
