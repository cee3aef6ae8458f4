"""Credentials committed in migration text: tokens, API keys, private keys, passwords.

Scans the raw text (comments included) with linear-time patterns anchored at token boundaries,
so 10 MB files and binary junk stay fast. Messages never repeat the secret itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from toolkit.lint.source import LintContext, ParsedFile, file_ref
from toolkit.model import Category, Finding, Level
from toolkit.registry import RuleInfo, Stage, rule

SECRET_IN_MIGRATION = RuleInfo(
    id="secret_in_migration", level=Level.ERROR, category=Category.SECURITY,
    summary="A credential (JWT, service key, API key, private key, password) written into a migration.",
    stage=Stage.LINT,
    fix="Remove it from the file and from git history, rotate it, and load it at run time " "(Vault secret set outside migrations, environment variable, or the dashboard).")

_B64URL = r"[A-Za-z0-9_-]"
JWT = re.compile(rf"(?<!{_B64URL})eyJ{_B64URL}{{8,}}\.eyJ{_B64URL}{{8,}}\.{_B64URL}{{8,}}")
STRIPE = re.compile(r"(?<![A-Za-z0-9_])(sk|rk)_(live|test)_[A-Za-z0-9]{10,}")
STRIPE_WEBHOOK = re.compile(r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{20,}")
AWS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
GITHUB = re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")
SUPABASE_SECRET = re.compile(r"(?<![A-Za-z0-9_])sb_secret_[A-Za-z0-9_-]{16,}")
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----")
CONN_URL = re.compile(
    r"(?i)\b(postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?)://"
    r"([^\s:/@'\"]{1,256}):([^\s@'\"/]{1,256})@([^\s/:'\"?]{1,256})")
CONNINFO_PASSWORD = re.compile(r"(?i)(?<![A-Za-z0-9_])password=([^\s'\"();&,]{1,256})")
SQL_PASSWORD = re.compile(r"(?i)(?<![A-Za-z0-9_])password\s+'([^']{1,256})'")
VAULT_SECRET = re.compile(r"(?i)vault\.create_secret\s*\(\s*'([^']{1,4096})'")
# A value under a name that says what it is: DB_PASSWORD=..., "api_key": "...", jwt_secret to '...'.
ENV_SECRET = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|SECRET_KEY|API_KEY|TOKEN))"
                        r"=([^\s'\"`;]{8,256})")
JSON_SECRET = re.compile(r'(?i)"((?:[a-z0-9]+_)*(?:password|passwd|secret|api_?key|private_key|secret_access_key|'
                         r'service_role_key))"\s*:\s*"([^"\\]{8,256})"')
JWT_SECRET = re.compile(r"(?i)jwt_secret[\"']?\s*(?:to|=|,)\s*'([^']{16,4096})'")
AWS_SECRET_LABELLED = re.compile(r"(?i)aws_secret_access_key[\"']?\s*[=:]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")

PLACEHOLDER = re.compile(
    r"(?i)^(?:\*+|x+|\.\.\.|\?|password|pass|pwd|secret|changeme|change_me|redacted|example|"
    r"your[-_]?(?:[a-z]+[-_])*(?:password|secret|key|token)[-_a-z]*|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\$\{[^}]*\}|\$[A-Za-z_0-9]+|"
    r"%s|%\([a-z_]+\)s|:[a-z_]+)$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "db", "host.docker.internal", "0.0.0.0"}
AWS_SECRET_WINDOW = 300


@dataclass(frozen=True)
class Hit:
    offset: int
    kind: str
    level: Level
    sample: str
    detail: str = ""


def _preview(secret: str) -> str:
    return f"{secret[:4]}… ({len(secret)} chars)"


def _jwt_claims(token: str) -> dict[str, object] | None:
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def _jwt_hits(text: str) -> Iterator[Hit]:
    if "eyJ" not in text:
        return
    for m in JWT.finditer(text):
        claims = _jwt_claims(m.group(0)) or {}
        role = claims.get("role")
        if role == "service_role":
            yield Hit(m.start(), "Supabase service_role key (JWT)", Level.ERROR, m.group(0),
                      "it bypasses row level security for whoever holds it")
        elif role == "anon":
            yield Hit(m.start(), "Supabase anon key (JWT)", Level.WARN, m.group(0),
                      "it is public by design, but it ties the migration to one project and its JWT secret")
        else:
            yield Hit(m.start(), "signed JWT", Level.ERROR, m.group(0), "anyone with the file can replay it")


def _token_hits(text: str) -> Iterator[Hit]:
    if "_live_" in text or "_test_" in text:
        for m in STRIPE.finditer(text):
            live = m.group(2) == "live"
            kind = f"Stripe {'restricted' if m.group(1) == 'rk' else 'secret'} key ({m.group(2)})"
            yield Hit(m.start(), kind, Level.ERROR if live else Level.WARN, m.group(0))
    if "whsec_" in text:
        for m in STRIPE_WEBHOOK.finditer(text):
            yield Hit(m.start(), "Stripe webhook signing secret", Level.ERROR, m.group(0))
    if "gh" in text or "github_pat_" in text:
        for m in GITHUB.finditer(text):
            yield Hit(m.start(), "GitHub token", Level.ERROR, m.group(0))
    if "sb_secret_" in text:
        for m in SUPABASE_SECRET.finditer(text):
            yield Hit(m.start(), "Supabase secret API key", Level.ERROR, m.group(0),
                      "it bypasses row level security for whoever holds it")
    if "PRIVATE KEY" in text:
        for m in PRIVATE_KEY.finditer(text):
            yield Hit(m.start(), "private key", Level.ERROR, m.group(0))
    if "AKIA" in text or "ASIA" in text:
        for m in AWS_KEY_ID.finditer(text):
            lo, hi = max(0, m.start() - AWS_SECRET_WINDOW), m.end() + AWS_SECRET_WINDOW
            paired = any(s.group(0) != m.group(0) for s in AWS_SECRET.finditer(text, lo, hi))
            if paired:
                yield Hit(m.start(), "AWS access key with its secret", Level.ERROR, m.group(0))
            else:
                yield Hit(m.start(), "AWS access key id", Level.WARN, m.group(0),
                          "the id alone is not enough to sign requests, but its secret is rarely far away")


def _is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value))


def _password_hits(text: str) -> Iterator[Hit]:
    if "://" in text:
        for m in CONN_URL.finditer(text):
            password, host = m.group(3), m.group(4).lower()
            if _is_placeholder(password) or (password == "postgres" and host in LOCAL_HOSTS):
                continue
            yield Hit(m.start(), f"password in a {m.group(1).lower()}:// connection string", Level.ERROR, password)
    lowered = text.lower()
    if "password" in lowered:
        for m in CONNINFO_PASSWORD.finditer(text):
            if not _is_placeholder(m.group(1)):
                yield Hit(m.start(), "password= in a connection string", Level.ERROR, m.group(1))
        for m in SQL_PASSWORD.finditer(text):
            if not _is_placeholder(m.group(1)):
                yield Hit(m.start(), "role password literal", Level.ERROR, m.group(1),
                          "it lands in git history and in supabase_migrations.schema_migrations")
    if "create_secret" in lowered:
        for m in VAULT_SECRET.finditer(text):
            if not _is_placeholder(m.group(1)):
                yield Hit(m.start(), "secret value passed to vault.create_secret", Level.ERROR, m.group(1),
                          "Vault encrypts it at rest, but the migration keeps the plain text")


def _labelled_hits(text: str) -> Iterator[Hit]:
    if "=" in text:
        for m in ENV_SECRET.finditer(text):
            if not _is_placeholder(m.group(2)):
                yield Hit(m.start(), f"{m.group(1)}= value", Level.ERROR, m.group(2))
    if '"' in text:
        for m in JSON_SECRET.finditer(text):
            if not _is_placeholder(m.group(2)):
                yield Hit(m.start(), f'"{m.group(1)}" value in JSON', Level.ERROR, m.group(2))
    lowered = text.lower()
    if "jwt_secret" in lowered:
        for m in JWT_SECRET.finditer(text):
            if not _is_placeholder(m.group(1)):
                yield Hit(m.start(), "JWT secret", Level.ERROR, m.group(1),
                          "whoever holds it can sign a service_role token and bypass row level security")
    if "aws_secret_access_key" in lowered:
        for m in AWS_SECRET_LABELLED.finditer(text):
            yield Hit(m.start(), "AWS secret access key", Level.ERROR, m.group(1))


def _span(text: str, hit: Hit) -> range:
    start = text.find(hit.sample, hit.offset)
    return range(start, start + len(hit.sample)) if start >= 0 else range(0)


def find_secrets(text: str) -> list[Hit]:
    hits = [*_jwt_hits(text), *_token_hits(text), *_password_hits(text)]
    taken = [_span(text, h) for h in hits]
    aws_ids = [h.offset for h in hits if h.kind.startswith("AWS access key")]
    for h in _labelled_hits(text):
        span = _span(text, h)
        seen = any(span.start < t.stop and t.start < span.stop for t in taken)  # the same secret, already named
        paired = h.kind == "AWS secret access key" and any(abs(h.offset - i) <= AWS_SECRET_WINDOW for i in aws_ids)
        if not seen and not paired:
            hits.append(h)
            taken.append(span)
    return sorted(hits, key=lambda h: h.offset)


@rule(SECRET_IN_MIGRATION)
def check_secrets(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    for hit in find_secrets(pf.text):
        why = f": {hit.detail}" if hit.detail else ""
        yield SECRET_IN_MIGRATION.finding(
            file_ref(pf),
            f"{hit.kind} in a migration{why}",
            location=pf.location(hit.offset),
            level=hit.level,
            evidence={"kind": hit.kind, "preview": _preview(hit.sample)},
        )
