from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.errors import ConfigError
from toolkit.model import Category, Finding, Level, Location, ObjectRef, RunResult, Stage
from toolkit.project import Project
from toolkit.suppress import (
    _stages_ran,
    apply_suppressions,
    configured_baseline,
    fingerprint,
    parse_directives,
)

# What a throwaway `supakit audit --no-probe` runs.
AUDITED = (Stage.CHECK, Stage.APPLY, Stage.AUDIT)
M1 = "supabase/migrations/20240101000000_init.sql"
M2 = "supabase/migrations/20240102000000_more.sql"

INIT = """\
create table public.a (id int primary key);

-- a public lookup table
-- supakit-ignore: rls_disabled -- read-only reference data, safe to expose

create table public.b (id int primary key);
create table public.c (id int); -- supakit-ignore: no_primary_key -- append-only log
create table public.d (
  id int -- supakit-ignore: rls_disabled, no_primary_key -- staging table dropped next week
);
-- supakit-ignore: rls_disabled
create table public.e (id int);
"""


def finding(rule: str, table: str, line: int | None, *, file: str = M1, level: Level = Level.ERROR,
            message: str | None = None) -> Finding:
    return Finding(rule, level, Category.SECURITY, ObjectRef("table", "public", table),
                   message or f"table public.{table} has a problem",
                   location=Location(file, line, 1) if line else None)


def by_rule(report: RunResult, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


@pytest.fixture
def project(project_factory: Callable[..., Project]) -> Project:
    return project_factory({"20240101000000_init.sql": INIT,
                            "20240102000000_more.sql": "create table public.z (id int);\n"})


def test_comment_directly_above_the_statement_suppresses(project: Project) -> None:
    f = finding("rls_disabled", "b", 6)
    rep = RunResult(findings=[f])
    apply_suppressions(rep, project, None)
    assert f.suppressed_by == "inline"


def test_comment_on_the_statement_line_suppresses(project: Project) -> None:
    f = finding("no_primary_key", "c", 7)
    rep = RunResult(findings=[f])
    apply_suppressions(rep, project, None)
    assert f.suppressed_by == "inline"


def test_comment_inside_a_multiline_statement_names_several_rules(project: Project) -> None:
    fs = [finding("rls_disabled", "d", 8), finding("no_primary_key", "d", 8)]
    rep = RunResult(findings=list(fs))
    apply_suppressions(rep, project, None)
    assert [f.suppressed_by for f in fs] == ["inline", "inline"]
    assert [u for u in by_rule(rep, "unused_suppression") if u.location and u.location.line == 9] == []


def test_comments_do_not_leak_to_other_statements(project: Project) -> None:
    a = finding("rls_disabled", "a", 1)  # the comment on line 4 belongs to b
    z = finding("rls_disabled", "z", 1, file=M2)
    apply_suppressions(RunResult(findings=[a, z]), project, None)
    assert a.suppressed_by is None and z.suppressed_by is None


def test_trailing_comment_belongs_to_its_own_line_only(project_factory: Callable[..., Project]) -> None:
    p = project_factory({"20240101000000_a.sql":
                         "create table x (id int); -- supakit-ignore: rls_disabled -- seed data\n"
                         "create table y (id int);\n"})
    rel = "supabase/migrations/20240101000000_a.sql"
    x, y = finding("rls_disabled", "x", 1, file=rel), finding("rls_disabled", "y", 2, file=rel)
    apply_suppressions(RunResult(findings=[x, y]), p, None)
    assert (x.suppressed_by, y.suppressed_by) == ("inline", None)


def test_a_finding_inside_a_statement_body_uses_that_statement(project: Project) -> None:
    f = finding("rls_disabled", "d", 9)
    apply_suppressions(RunResult(findings=[f]), project, None)
    assert f.suppressed_by == "inline"


def test_missing_reason_does_not_suppress_and_is_reported(project: Project) -> None:
    f = finding("rls_disabled", "e", 12)
    rep = RunResult(findings=[f])
    apply_suppressions(rep, project, None)
    assert f.suppressed_by is None
    (w,) = by_rule(rep, "suppression_without_reason")
    assert w.level is Level.WARN
    assert w.location == Location(M1, 11, 1)
    assert "gives no reason" in w.message


def test_unused_inline_suppressions_are_reported_per_rule(project: Project) -> None:
    rep = RunResult(findings=[finding("rls_disabled", "d", 8)], stages=AUDITED)
    apply_suppressions(rep, project, None)
    unused = by_rule(rep, "unused_suppression")
    where = sorted((u.location.line, u.evidence["rule"]) for u in unused if u.location)
    assert where == [(4, "rls_disabled"), (7, "no_primary_key"), (9, "no_primary_key")]
    assert all(u.level is Level.INFO for u in unused)


def test_unused_is_not_claimed_for_rules_that_did_not_run(project_factory: Callable[..., Project]) -> None:
    p = project_factory({"20240101000000_a.sql":
                         "-- supakit-ignore: migration_failed -- flaky in CI\ncreate table t (id int);\n"})
    lint_only = RunResult(stages=(Stage.LINT, Stage.CHECK))
    apply_suppressions(lint_only, p, None)
    assert by_rule(lint_only, "unused_suppression") == []
    audited = RunResult(stages=AUDITED)
    apply_suppressions(audited, p, None)
    assert len(by_rule(audited, "unused_suppression")) == 1


def test_database_stages_are_not_judged_on_an_incomplete_database() -> None:
    assert _stages_ran(RunResult(stages=AUDITED)) == {*AUDITED, Stage.SUPPRESSION}
    ran = _stages_ran(RunResult(stages=(*AUDITED, Stage.PROBE), incomplete=True))
    assert ran == {Stage.CHECK, Stage.APPLY, Stage.SUPPRESSION}
    assert _stages_ran(RunResult(stages=(Stage.LINT,))) == {Stage.LINT, Stage.SUPPRESSION}


def test_unknown_rule_in_a_comment_gets_a_hint(project_factory: Callable[..., Project]) -> None:
    p = project_factory({"20240101000000_a.sql":
                         "-- supakit-ignore: unused_supression -- typo\ncreate table t (id int);\n"})
    rep = RunResult()
    apply_suppressions(rep, p, None)
    (u,) = by_rule(rep, "unused_suppression")
    assert "did you mean 'unused_suppression'" in u.message


def test_file_level_suppression(project_factory: Callable[..., Project]) -> None:
    p = project_factory({
        "20240101000000_a.sql": "create table a (id int);\n\n"
                                "-- supakit-ignore-file: no_primary_key -- legacy tables, fixed in #12\n"
                                "create table b (id int);\n",
        "20240102000000_b.sql": "create table c (id int);\n",
    })
    a = finding("no_primary_key", "a", 1, file="supabase/migrations/20240101000000_a.sql")
    b = finding("no_primary_key", "b", 4, file="supabase/migrations/20240101000000_a.sql")
    other_rule = finding("rls_disabled", "a", 1, file="supabase/migrations/20240101000000_a.sql")
    other_file = finding("no_primary_key", "c", 1, file="supabase/migrations/20240102000000_b.sql")
    rep = RunResult(findings=[a, b, other_rule, other_file])
    apply_suppressions(rep, p, None)
    assert [f.suppressed_by for f in (a, b, other_rule, other_file)] == ["inline", "inline", None, None]


def test_a_file_that_does_not_parse_falls_back_to_lines(project_factory: Callable[..., Project]) -> None:
    p = project_factory({"20240101000000_a.sql":
                         "-- supakit-ignore: rls_disabled -- ok\ncreate tabel t (id int);\n"})
    f = finding("rls_disabled", "t", 2, file="supabase/migrations/20240101000000_a.sql")
    apply_suppressions(RunResult(findings=[f]), p, None)
    assert f.suppressed_by == "inline"


def test_directive_syntax() -> None:
    (d,) = parse_directives("x -- supakit-ignore: squawk/ban-drop-column, rls_disabled -- why -- really", "f")
    assert d.rules == ("squawk/ban-drop-column", "rls_disabled")
    assert d.reason == "why -- really" and d.column == 3 and not d.whole_file
    (e,) = parse_directives("--supakit-ignore-file rls_disabled -- because", "f")
    assert e.whole_file and e.rules == ("rls_disabled",)
    assert parse_directives("-- supakit-ignored: x -- y", "f") == []


# Config --------------------------------------------------------------------------------------

SETTINGS = """\
[[ignore]]
rule = "rls_disabled"
object = "public.inv*"
reason = "invoices are read by the billing service only"

[[ignore]]
rule = "policy_*"
object = "public.accounts"
reason = "reviewed in SEC-42"

[[ignore]]
rule = "no_primary_key"
reason = "never matches anything here"
"""


def test_config_ignore_with_globs_and_parent_tables(project_factory: Callable[..., Project]) -> None:
    p = project_factory({"20240101000000_a.sql": "select 1;\n"}, settings=SETTINGS)
    inv = finding("rls_disabled", "invoices", None)
    inv_items = finding("rls_disabled", "invoice_items", None)
    other = finding("rls_disabled", "notes", None)
    pol = Finding("policy_always_true", Level.WARN, Category.SECURITY,
                  ObjectRef("policy", "public", "p", parent="public.accounts"), "m")
    rep = RunResult(findings=[inv, inv_items, other, pol], stages=AUDITED)
    apply_suppressions(rep, p, None)
    assert [f.suppressed_by for f in (inv, inv_items, other, pol)] == ["config", "config", None, "config"]
    (u,) = by_rule(rep, "unused_suppression")
    assert u.location == Location("supakit.toml", 12, 1)
    assert "no_primary_key" in u.message


def test_config_entry_with_bad_object_type_is_one_clear_error(project_factory: Callable[..., Project]) -> None:
    with pytest.raises(ConfigError, match=r"ignore\[0\]\.object must be a string"):  # when the settings are read
        p = project_factory({"20240101000000_a.sql": "select 1;\n"},
                            settings='[[ignore]]\nrule = "x"\nobject = 3\nreason = "r"\n')
        apply_suppressions(RunResult(), p, None)


# Baseline ------------------------------------------------------------------------------------


def test_baseline_survives_line_shifts_and_numbers_in_messages(
        project: Project, tmp_path: Path) -> None:
    from toolkit.suppress import write_baseline_file

    old = [finding("rls_disabled", "a", 1, message="table public.a: 3 rows visible at line 1"),
           finding("no_primary_key", "z", 1, file=M2, level=Level.WARN)]
    path = tmp_path / "baseline.json"
    assert write_baseline_file(RunResult(findings=old), path) == 2
    shifted = finding("rls_disabled", "a", 40, message="table public.a: 12 rows visible at line 40")
    new = finding("rls_disabled", "brand_new", 2)
    rep = RunResult(findings=[shifted, new], stages=AUDITED)
    apply_suppressions(rep, project, path)
    assert shifted.suppressed_by == "baseline" and new.suppressed_by is None
    (stale,) = [u for u in by_rule(rep, "unused_suppression") if u.evidence.get("kind") == "baseline"]
    assert "1 baseline entry matches no finding" in stale.message
    assert stale.evidence["entries"] == [{"rule": "no_primary_key", "object": "public.z"}]


def test_each_baseline_entry_suppresses_one_finding(project: Project, tmp_path: Path) -> None:
    from toolkit.suppress import write_baseline_file

    path = tmp_path / "b.json"
    write_baseline_file(RunResult(findings=[finding("rls_disabled", "a", 1)]), path)
    twins = [finding("rls_disabled", "a", 1), finding("rls_disabled", "a", 30)]
    apply_suppressions(RunResult(findings=list(twins)), project, path)
    assert sorted(str(f.suppressed_by) for f in twins) == ["None", "baseline"]


def test_baseline_leaves_out_suppressed_and_meta_findings(project: Project, tmp_path: Path) -> None:
    from toolkit.suppress import write_baseline_file

    rep = RunResult(findings=[finding("rls_disabled", "b", 6), finding("rls_disabled", "e", 12)],
                      stages=AUDITED)
    apply_suppressions(rep, project, None)
    assert {f.rule for f in rep.active()} == {"rls_disabled", "suppression_without_reason",
                                              "unused_suppression"}
    assert write_baseline_file(rep, tmp_path / "b.json") == 1


@pytest.mark.parametrize(("content", "match"), [
    (None, "no such baseline file"),
    ("{not json", r"b\.json:1:2: baseline is not valid JSON"),
    ('{"version": 99, "findings": []}', "not a supakit baseline of version 1"),
    ('{"version": 1, "findings": [{"rule": 1}]}', "must be a list of entries"),
])
def test_bad_baseline_files_are_config_errors(project: Project, tmp_path: Path, content: str | None,
                                              match: str) -> None:
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=match):
        apply_suppressions(RunResult(), project, path)


def test_baseline_path_from_option_then_settings(project_factory: Callable[..., Project]) -> None:
    p = project_factory({"20240101000000_a.sql": "select 1;\n"}, settings='baseline = "ci/base.json"\n')
    assert configured_baseline(p, Path("x.json")) == Path("x.json")
    assert configured_baseline(p, None) == p.root / "ci/base.json"


def test_fingerprint_ignores_numbers_not_words() -> None:
    a = finding("r", "t", 1, message="12 rows at line 3")
    b = finding("r", "t", 9, message="7 rows at line 44")
    c = finding("r", "t", 1, message="12 cols at line 3")
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)


def test_config_can_silence_findings_about_comments(project_factory: Callable[..., Project]) -> None:
    p = project_factory({"20230101000000_old.sql": "-- supakit-ignore: rls_disabled\ncreate table t (id int);\n"},
                        settings='[[ignore]]\nrule = "suppression_without_reason"\n'
                                 'object = "supabase/migrations/2023*"\nreason = "immutable history"\n')
    rep = RunResult(stages=AUDITED)
    apply_suppressions(rep, p, None)
    (w,) = rep.findings
    assert (w.rule, w.suppressed_by) == ("suppression_without_reason", "config")


def test_a_comment_that_an_earlier_stage_honoured_is_not_unused(project: Project) -> None:
    f = finding("rls_disabled", "b", 6)
    f.suppressed_by = f"inline ignore at {M1}:4: read-only reference data"
    rep = RunResult(findings=[f], stages=AUDITED)
    apply_suppressions(rep, project, None)
    assert f.suppressed_by.startswith("inline ignore at")
    assert not [u for u in by_rule(rep, "unused_suppression") if u.location and u.location.line == 4]
