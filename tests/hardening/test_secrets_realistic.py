"""secret_in_migration on more realistic, generated (never real) credentials: the Supabase JWT
secret, labelled AWS secrets, environment-style and JSON-embedded passwords and keys; lookalikes
stay quiet; and no report format ever prints a secret it found."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_files, write_project
from toolkit.cli import main
from toolkit.lint import lint_project
from toolkit.lint.rules.secrets import find_secrets
from toolkit.model import Level

RNG = random.Random(20240917)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


JWT_SECRET = rand(40)
AWS_SECRET = rand(40, ALNUM + "/+")
PG_PASSWORD = rand(18)
API_KEY = rand(32)
SERVICE_KEY_VALUE = rand(48)

FOUND: dict[str, tuple[str, str]] = {
    "supabase-jwt-secret-setting": (
        f"alter database postgres set \"app.settings.jwt_secret\" to '{JWT_SECRET}';", "JWT secret"),
    "jwt-secret-set-config": (
        f"select set_config('app.jwt_secret', '{JWT_SECRET}', false);", "JWT secret"),
    "aws-secret-labelled": (f"-- aws_secret_access_key = {AWS_SECRET}\nselect 1;", "AWS secret access key"),
    "aws-secret-env": (f"-- export AWS_SECRET_ACCESS_KEY={AWS_SECRET}\nselect 1;", "AWS secret access key"),
    "pgpassword": (f"-- run with PGPASSWORD={PG_PASSWORD} psql -h db.example.com\nselect 1;", "PGPASSWORD= value"),
    "env-api-key": (f"-- OPENAI_API_KEY={API_KEY}\nselect 1;", "OPENAI_API_KEY= value"),
    "json-password-in-seed": (
        f"insert into private.integrations (config) values ('{{\"host\": \"smtp.example.com\", "
        f"\"smtp_password\": \"{PG_PASSWORD}\"}}'::jsonb);", '"smtp_password" value in JSON'),
    "json-api-key-in-header": (
        f"select net.http_post('https://api.example.com/v1', '{{}}'::jsonb, "
        f"headers := '{{\"Content-Type\": \"application/json\", \"api_key\": \"{API_KEY}\"}}'::jsonb);",
        '"api_key" value in JSON'),
    "json-service-role-key": (
        f"insert into private.settings values ('{{\"service_role_key\": \"{SERVICE_KEY_VALUE}\"}}');",
        '"service_role_key" value in JSON'),
}

QUIET = [
    "alter database postgres set \"app.settings.jwt_secret\" to current_setting('x');",
    "select set_config('app.jwt_secret', '${JWT_SECRET}', false);",
    "-- export AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY\nselect 1;",
    "-- PGPASSWORD=<your-password> psql\nselect 1;",
    "-- DB_PASSWORD=${DB_PASSWORD}\nselect 1;",
    "insert into t values ('{\"password_hash\": \"$2a$10$abcdefghijklmnopqrstuv\"}');",
    "insert into t values ('{\"password\": \"********\"}');",
    "insert into t values ('{\"api_key\": \"your-api-key\"}');",
    "create table public.settings (jwt_secret_rotated_at timestamptz, aws_secret_access_key_id text);",
    "update private.accounts set password = crypt(new_password, gen_salt('bf'));",
]


@pytest.mark.parametrize(("sql", "kind"), FOUND.values(), ids=FOUND.keys())
def test_labelled_secrets_are_found_once(sql: str, kind: str) -> None:
    hits = find_secrets(sql)
    assert [h.kind for h in hits] == [kind]
    assert hits[0].level is Level.ERROR


def test_an_aws_pair_is_one_finding() -> None:
    sql = f"-- aws_access_key_id = AKIA{rand(16, string.ascii_uppercase)}\n-- aws_secret_access_key = {AWS_SECRET}\n"
    assert [h.kind for h in find_secrets(sql)] == ["AWS access key with its secret"]


@pytest.mark.parametrize("sql", QUIET)
def test_lookalikes_and_placeholders_stay_quiet(sql: str) -> None:
    assert find_secrets(sql) == []


SECRETS = (JWT_SECRET, AWS_SECRET, PG_PASSWORD, API_KEY, SERVICE_KEY_VALUE)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown"])
def test_no_report_format_prints_a_secret(tmp_path: Path, fmt: str) -> None:
    sql = "\n".join(s for s, _ in FOUND.values()) + "\n"
    root = write_files(tmp_path / "p", {"20240101000000_leaky.sql": sql})
    out = tmp_path / f"report.{fmt}"
    res = CliRunner().invoke(main, ["lint", "--no-squawk", "--project-dir", str(root), "--format", fmt,
                                    "--output", str(out)])
    assert res.exit_code == 1, res.output
    report = out.read_text()
    assert "secret_in_migration" in report
    for secret in SECRETS:
        assert secret not in report and secret not in res.output


def test_every_finding_points_at_its_line(tmp_path: Path) -> None:
    sql = "\n".join(s for s, _ in FOUND.values()) + "\n"
    project = write_project(tmp_path / "p", {"20240101000000_leaky.sql": sql})
    found = [f for f in lint_project(project, squawk=False).findings if f.rule == "secret_in_migration"]
    lines = sorted(f.location.line for f in found if f.location)
    expected = sorted({1 + sql[:sql.index(s)].count("\n") for s, _ in FOUND.values()})
    assert lines == expected
