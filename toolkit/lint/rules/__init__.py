"""Our own static rules; importing this package registers every one of them, and their checks,
which `registry.checks(Stage.LINT)` hands to the linter."""

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
