"""One registry of every rule supakit can report, whichever stage finds it (ruff-style).

A rule is a `RuleInfo` (id, default level, category, stage, summary, default fix). A rule with a
check function of its own declares it with the `@rule(INFO)` decorator; each stage's runner asks
`checks(stage)` for them and calls them with the arguments that stage has (see
docs/contributing.md). A rule that its stage's machinery reports (squawk, apply failures, folder,
history and drift comparisons, suppressions) is declared with `register(INFO)`. Either way
`INFO.finding(...)` is the only way to make a finding. `all_rules()` imports every rule module so
listings, SARIF rule tables and docs see them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from toolkit.model import Category, Finding, Level, Location, ObjectRef, Stage

__all__ = ["Check", "RuleInfo", "Stage", "all_rules", "checks", "doc_path_for", "get", "register", "rule"]

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

Check = Callable[..., Iterable[Finding]]
C = TypeVar("C", bound=Check)


@dataclass(frozen=True)
class RuleInfo:
    id: str
    level: Level  # default level; a rule may raise or lower it per finding
    category: Category
    stage: Stage
    summary: str  # one line, shown by `supakit rules`, in SARIF and under the title of its page
    fix: str = ""  # the remediation of a finding that does not bring its own
    # The Supabase advisor (splinter) lints this rule covers, as splinter names them:
    # "0013_rls_disabled_in_public". docs/advisors.md says where supakit differs.
    advisors: tuple[str, ...] = ()

    @property
    def doc_path(self) -> str:
        return doc_path_for(self.id)

    def finding(self, obj: ObjectRef, message: str, *, location: Location | None = None,
                evidence: dict[str, Any] | None = None, remediation: str | None = None,
                level: Level | None = None, cause: str | None = None) -> Finding:
        """A finding of this rule: id, category and (unless given) level and fix come from here.
        `cause` names the problem when other rules can see the same one (model.Cause)."""
        return Finding(rule=self.id, level=level or self.level, category=self.category, object=obj,
                       message=message, remediation=self.fix if remediation is None else remediation,
                       location=location, evidence=dict(evidence) if evidence else {}, cause=cause)


def doc_path_for(rule_id: str) -> str:
    """Every `squawk/<name>` rule shares one page that explains the mapping."""
    if rule_id.startswith("squawk/"):
        return f"{DOCS_BASE}/squawk.md"
    return f"{DOCS_BASE}/{rule_id.replace('/', '_')}.md"


_RULES: dict[str, RuleInfo] = {}
_CHECKS: dict[Stage, list[tuple[RuleInfo, Check]]] = {}


def register(info: RuleInfo) -> RuleInfo:
    """Declare a rule whose findings its stage's own machinery makes (no check function)."""
    existing = _RULES.get(info.id)
    if existing is not None and existing != info:
        raise ValueError(f"rule id {info.id!r} registered twice with different metadata")
    _RULES[info.id] = info
    return info


def rule(info: RuleInfo) -> Callable[[C], C]:
    """Declare a rule and its check function, which the runner of `info.stage` will call."""

    def deco(check: C) -> C:
        register(info)
        _CHECKS.setdefault(info.stage, []).append((info, check))
        return check

    return deco


def checks(stage: Stage) -> list[tuple[RuleInfo, Check]]:
    """The checks of one stage in the order their modules registered them. The caller imports
    the stage's rule modules first (they are heavy, and a stage only needs its own)."""
    return list(_CHECKS.get(stage, ()))


def get(rule_id: str) -> RuleInfo | None:
    """A rule whose module already ran is at hand (lint's findings need no audit module); any
    other id loads every rule module once."""
    info = _RULES.get(rule_id)
    if info is None:
        _load_all()
        info = _RULES.get(rule_id)
    return info


def all_rules() -> list[RuleInfo]:
    _load_all()
    return sorted(_RULES.values(), key=lambda r: (r.stage.value, r.id))


_loaded = False


def _load_all() -> None:
    """Every rule module, once: `get` runs for each finding a report ranks or renders."""
    global _loaded
    if not _loaded:
        for mod in RULE_MODULES:
            importlib.import_module(mod)
        _loaded = True
