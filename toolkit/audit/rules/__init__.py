"""Every audit rule, one module per family; importing this package registers them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from toolkit.audit.context import AuditContext
from toolkit.audit.rules import (
    exposure,
    functions,
    graphql,
    indexes,
    policies,
    queues,
    rls,
    statistics,
    storage,
    upgrades,
)
from toolkit.model import Finding

Check = Callable[[AuditContext], Iterable[Finding]]

CHECKS: tuple[Check, ...] = (
    *rls.CHECKS,
    *policies.CHECKS,
    *exposure.CHECKS,
    *functions.CHECKS,
    *storage.CHECKS,
    *indexes.CHECKS,
    *graphql.CHECKS,
    *queues.CHECKS,
    *upgrades.CHECKS,
    *statistics.CHECKS,
)

__all__ = ["CHECKS", "Check"]
