"""secret_in_migration on realistic, generated (never real) credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string

import pytest

from tests.lint.conftest import LintSql
from toolkit.lint.rules.secrets import find_secrets
from toolkit.model import Level

RNG = random.Random(20240101)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_jwt(claims: dict[str, object]) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    sig = b64url(hmac.new(rand(40).encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{sig}"


SERVICE_KEY = fake_jwt({"iss": "supabase", "ref": rand(20).lower(), "role": "service_role", "iat": 1700000000,
                        "exp": 2000000000})
ANON_KEY = fake_jwt({"iss": "supabase", "ref": rand(20).lower(), "role": "anon", "iat": 1700000000})
USER_TOKEN = fake_jwt({"sub": "7c1c3b8e-0000-4000-8000-000000000000", "role": "authenticated"})
AWS_ID = "AKIA" + rand(16, string.ascii_uppercase + string.digits)
AWS_SECRET = rand(40, ALNUM + "/+")

SAMPLES: list[tuple[str, str, Level]] = [
    (f"select net.http_post('https://x.supabase.co/functions/v1/f', headers := jsonb_build_object("
     f"'Authorization', 'Bearer {SERVICE_KEY}'));", "service_role", Level.ERROR),
    (f"-- anon key for local testing: {ANON_KEY}\nselect 1;", "anon key", Level.WARN),
    (f"insert into private.tokens values ('{USER_TOKEN}');", "signed JWT", Level.ERROR),
    (f"select vault.create_secret('sk_live_{rand(24)}', 'stripe');", "Stripe secret key (live)", Level.ERROR),
    (f"-- restricted: rk_live_{rand(30)}\nselect 1;", "Stripe restricted key (live)", Level.ERROR),
    (f"-- test mode: sk_test_{rand(24)}\nselect 1;", "Stripe secret key (test)", Level.WARN),
    (f"-- webhook whsec_{rand(32)}\nselect 1;", "Stripe webhook", Level.ERROR),
    (f"-- aws_access_key_id = {AWS_ID}\n-- aws_secret_access_key = {AWS_SECRET}\nselect 1;",
     "AWS access key with its secret", Level.ERROR),
    (f"-- bucket owner {AWS_ID}\nselect 1;", "AWS access key id", Level.WARN),
    (f"-- token ghp_{rand(36)}\nselect 1;", "GitHub token", Level.ERROR),
    (f"-- oauth gho_{rand(36)}\nselect 1;", "GitHub token", Level.ERROR),
    (f"-- fine-grained github_pat_{rand(22)}_{rand(59)}\nselect 1;", "GitHub token", Level.ERROR),
    (f"-- new keys: sb_secret_{rand(32, ALNUM + '_-')}\nselect 1;", "Supabase secret API key", Level.ERROR),
    ("select dblink_connect('host=db.internal dbname=app user=app password=" + rand(12) + "');",
     "password= in a connection string", Level.ERROR),
    (f"select dblink('postgresql://reporter:{rand(16)}@db.example.com:5432/app', 'select 1');",
     "postgresql:// connection string", Level.ERROR),
    (f"create role reporter login password '{rand(14)}';", "role password literal", Level.ERROR),
    (f"select vault.create_secret('{rand(30)}', 'webhook_token');", "vault.create_secret", Level.ERROR),
    ("-- -----BEGIN RSA PRIVATE KEY-----\n-- MIIEow...\nselect 1;", "private key", Level.ERROR),
]

QUIET = [
    "create table public.users (id uuid, password_hash text);",
    "update private.accounts set password = crypt(new_password, gen_salt('bf'));",
    "-- connect: postgres://postgres:postgres@localhost:54322/postgres\nselect 1;",
    "-- connect: postgresql://postgres:[YOUR-PASSWORD]@db.abc.supabase.co:5432/postgres\nselect 1;",
    "-- dsn: postgres://app:${DB_PASSWORD}@db:5432/app\nselect 1;",
    "select vault.create_secret(current_setting('app.webhook_secret'), 'webhook');",
    "create role reporter login password null;",
    "-- a jwt looks like eyJhbGciOi... but this is only a prefix\nselect 1;",
    "-- sha1 0123456789abcdef0123456789abcdef01234567 without any AWS id\nselect 1;",
    "select 'sk_live_' || 'short';",
    "create table public.tasks (ghp_count int, sk_test_mode boolean);",
]


@pytest.mark.parametrize(("sql", "kind", "level"), SAMPLES, ids=[s[1] for s in SAMPLES])
def test_realistic_secrets_are_found(lint_sql: LintSql, sql: str, kind: str, level: Level) -> None:
    found = lint_sql(sql, rule="secret_in_migration")
    assert found, f"no finding for {kind}"
    hit = next((f for f in found if kind in f.message), None)
    assert hit is not None, [f.message for f in found]
    assert hit.level is level
    secretish = [tok for tok in sql.replace("'", " ").replace("=", " ").split() if len(tok) >= 12]
    for tok in secretish:
        assert tok not in hit.message and tok not in str(hit.evidence) or tok.startswith(("--", "select"))


@pytest.mark.parametrize("sql", QUIET)
def test_lookalikes_and_placeholders_stay_quiet(lint_sql: LintSql, sql: str) -> None:
    assert lint_sql(sql, rule="secret_in_migration") == []


def test_secret_location_is_exact() -> None:
    text = f"select 1;\n  -- key: {SERVICE_KEY}\n"
    [hit] = find_secrets(text)
    assert text[hit.offset:].startswith("eyJ") and text[:hit.offset].count("\n") == 1


def test_findings_never_repeat_the_secret(lint_sql: LintSql) -> None:
    token = f"ghp_{rand(36)}"
    [f] = lint_sql(f"-- {token}\nselect 1;", rule="secret_in_migration")
    assert token not in f.message and token not in json.dumps(f.to_dict())
    assert f.evidence["preview"].startswith("ghp_") and "40 chars" in f.evidence["preview"]


def test_huge_runs_of_lookalike_characters_stay_fast() -> None:
    import time

    junk = "eyJ" * 300_000 + "AKIA" * 100_000 + "password=" * 50_000 + "postgres://" * 50_000
    t0 = time.perf_counter()
    find_secrets(junk)
    assert time.perf_counter() - t0 < 5
