"""One cause, one finding (issue 17, item 3): what lint, the audit and the probe each see of one
problem is reported once, at the strongest level, with the other sightings as its evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import write_files
from toolkit.cli import main
from toolkit.merge import merge_findings
from toolkit.model import Category, Cause, Finding, Level, Location, ObjectRef

SQL = """\
create table public.tasks (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id),
  title text
);
create function public.delete_task(p_task_id uuid) returns void language sql security definer as $$
  delete from public.tasks where id = p_task_id;
$$;
create table public.notes (id uuid primary key, user_id uuid references auth.users (id), body text);
alter table public.notes enable row level security;
create policy "owners read" on public.notes for select to authenticated using ((select auth.uid()) = user_id);
"""


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("merge"), {"20240101000000_init.sql": SQL})


@pytest.fixture(scope="module")
def checked(project: Path, engine: Any) -> dict[str, Any]:
    code, out = cli("check", "--project-dir", str(project), "--format", "json")
    assert code == 1
    return json.loads(out)  # type: ignore[no-any-return]


def on(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if name in (f["object"]["name"], f["object"]["parent"])
            or f["object"]["parent"] == f"public.{name}"]


def test_a_table_without_rls_is_one_error_carrying_the_others(checked: dict[str, Any]) -> None:
    [f] = [f for f in on(checked, "tasks") if f["cause"] == Cause.RLS_OFF]
    assert (f["rule"], f["level"]) == ("rls_disabled", "error")
    merged = {m["rule"] for m in f["merged"]}
    assert {"table_without_rls", "probe_anon_read", "probe_anon_write"} <= merged
    assert not {x["rule"] for x in checked["findings"]} & merged  # none of them reported again
    probe = next(m for m in f["merged"] if m["rule"] == "probe_anon_read")
    assert probe["evidence"]["requests"]  # the probe's observation travels with it


def test_one_missing_index_is_suggested_once(checked: dict[str, Any]) -> None:
    index = [f for f in on(checked, "notes") if f["cause"] == Cause.missing_index(["user_id"])]
    assert len(index) == 1
    rules = {index[0]["rule"], *(m["rule"] for m in index[0]["merged"])}
    assert rules == {"unindexed_foreign_key", "policy_column_unindexed"}
    assert index[0]["level"] == "warn"  # the strongest of the two


def test_one_function_one_name_and_one_search_path_finding(checked: dict[str, Any], project: Path) -> None:
    names = {str(f["object"]["name"]) for f in checked["findings"] if f["object"]["type"] == "function"}
    assert names == {"delete_task(p_task_id uuid)"}
    [sp] = [f for f in checked["findings"] if f["cause"] == Cause.SEARCH_PATH]
    assert sp["level"] == "error" and [m["rule"] for m in sp["merged"]] == ["security_definer_without_search_path"]
    code, text = cli("check", "--project-dir", str(project), "--no-probe")
    assert text.count("public.delete_task") >= 1 and "\npublic.delete_task\n" not in text
    group = text.split("\npublic.delete_task(p_task_id uuid)\n", 1)[1].split("\n\n", 1)[0]
    levels = [line.split()[0] for line in group.splitlines() if line.startswith("  ") and not line.startswith("      ")]
    assert levels == sorted(levels, key=["error", "warn", "info"].index)  # errors first


def test_lint_and_audit_give_the_same_level_to_the_same_problem(project: Path, engine: Any) -> None:
    _, lint = cli("lint", "--project-dir", str(project), "--format", "json")
    _, audit = cli("audit", "--project-dir", str(project), "--no-probe", "--format", "json")
    lint_level = next(f["level"] for f in json.loads(lint)["findings"] if f["cause"] == Cause.SEARCH_PATH)
    audit_level = next(f["level"] for f in json.loads(audit)["findings"] if f["cause"] == Cause.SEARCH_PATH)
    assert lint_level == audit_level == "error"


def _f(rule: str, level: Level, cause: str | None, line: int = 1, **kw: Any) -> Finding:
    return Finding(rule, level, Category.SECURITY, kw.pop("obj", ObjectRef("table", "public", "t")), f"{rule} says",
                   location=Location("a.sql", line, 1), cause=cause, **kw)


def test_suppressed_findings_and_findings_without_a_cause_stay_apart() -> None:
    quiet = _f("probe_anon_read", Level.ERROR, Cause.RLS_OFF, suppressed_by="config")
    loud = _f("rls_disabled", Level.ERROR, Cause.RLS_OFF)
    squawk = [_f("squawk/x", Level.WARN, None, line=n) for n in (1, 2)]
    out = merge_findings([quiet, loud, *squawk, _f("squawk/x", Level.WARN, None, line=2)])
    assert out == [quiet, loud, *squawk] and loud.merged == []  # the exact repeat is gone, nothing folded


def test_a_table_whose_name_needs_quotes_is_one_owner_for_its_policies_and_itself() -> None:
    table = _f("probe_owner_spoof", Level.ERROR, Cause.OWNER_NOT_PINNED,
               obj=ObjectRef("table", "public", "Team Notes"))
    policy = _f("update_without_with_check", Level.WARN, Cause.OWNER_NOT_PINNED,
                obj=ObjectRef("policy", "public", "authors edit", parent="public.Team Notes"))
    assert table.object.owner == policy.object.owner == 'public."Team Notes"'
    assert policy.object.label == 'public."authors edit" on public."Team Notes"'
    assert str(policy.object) == "public.authors edit on public.Team Notes"  # what suppressions match
    assert merge_findings([policy, table]) == [table] and table.merged == [policy]
