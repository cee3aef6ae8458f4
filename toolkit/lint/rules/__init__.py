"""Our own static rules; importing this package registers every one of them."""

from __future__ import annotations

from toolkit.lint.rules import (  # noqa: F401  (imported for their registrations)
    files,
    functions,
    naming,
    rls,
    secrets,
    squawk_ids,
    transactions,
)
from toolkit.lint.rules.base import LINT_RULES, RuleFn, lint_rule

__all__ = ["LINT_RULES", "RuleFn", "lint_rule"]
