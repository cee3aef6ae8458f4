"""Every audit rule, one module per family; importing this package registers their checks, which
`registry.checks(Stage.AUDIT)` hands to the auditor."""

from __future__ import annotations

from toolkit.audit.rules import (  # noqa: F401  (imported for their registrations)
    exposure,
    functions,
    graphql,
    indexes,
    parents,
    policies,
    queues,
    recursion,
    rls,
    statistics,
    storage,
    upgrades,
)
