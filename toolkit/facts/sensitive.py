"""Which columns look sensitive (email, token, ...): the audit's sensitive-columns rule and the
probe's "public by policy" judgement ask the same question, with the same project setting."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

from toolkit.model import Table

# One word of a column name that makes it sensitive on its own, and whole phrases.
SENSITIVE_WORDS = frozenset({
    "email", "phone", "mobile", "password", "passwd", "ssn", "token", "secret", "iban", "cvv",
    "cvc", "address", "passport", "salary", "dob", "birthdate", "birthday", "apikey", "pin",
    "otp", "totp", "mfa", "jwt", "credentials",
})
SENSITIVE_PHRASES = (
    "api_key", "credit_card", "card_number", "card_last4", "date_of_birth", "private_key",
    "secret_key", "bank_account", "account_number", "routing_number", "national_id",
    "social_security", "tax_id", "drivers_license", "license_number", "ip_addr",
)
# A last word that makes the column a fact about the sensitive thing, not the thing itself.
_HARMLESS_LAST = frozenset({"count", "at", "verified", "confirmed", "enabled", "type", "status",
                            "id", "ids", "sent", "changed", "length", "expires", "expiry"})


def is_sensitive(column: str, extra: Sequence[str] = ()) -> bool:
    name = column.lower().replace("-", "_")
    if any(fnmatchcase(name, pat.lower()) for pat in extra):
        return True
    words = [w for w in re.split(r"_+", name) if w]
    if not words or words[-1] in _HARMLESS_LAST and len(words) > 1:
        return False
    return any(w in SENSITIVE_WORDS for w in words) or any(p in name for p in SENSITIVE_PHRASES)


def extra_patterns(settings: dict[str, Any], t: Table) -> list[str]:
    """settings.sensitive_columns: column names or globs, optionally table- or schema-qualified;
    returned as column-name globs that apply to this table."""
    out = []
    for raw in settings.get("sensitive_columns") or []:
        pat = str(raw).lower()
        parts = pat.split(".")
        if len(parts) == 1:
            out.append(pat)
        elif len(parts) == 2 and fnmatchcase(t.name.lower(), parts[0]):
            out.append(parts[1])
        elif len(parts) == 3 and fnmatchcase(t.schema.lower(), parts[0]) \
                and fnmatchcase(t.name.lower(), parts[1]):
            out.append(parts[2])
    return out


def sensitive_columns(settings: dict[str, Any], t: Table, columns: Sequence[str]) -> list[str]:
    """The sensitive ones of these columns of `t`."""
    extra = extra_patterns(settings, t)
    return [c for c in columns if is_sensitive(c, extra)]
