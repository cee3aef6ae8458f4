"""How lint rules declare themselves: a RuleInfo plus a function over one parsed file."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from toolkit.lint.source import LintContext, ParsedFile
from toolkit.model import Finding
from toolkit.registry import RuleInfo

RuleFn = Callable[[ParsedFile, LintContext], Iterable[Finding]]

LINT_RULES: list[tuple[RuleInfo, RuleFn]] = []


def lint_rule(info: RuleInfo) -> Callable[[RuleFn], RuleFn]:
    def deco(fn: RuleFn) -> RuleFn:
        LINT_RULES.append((info, fn))
        return fn

    return deco
