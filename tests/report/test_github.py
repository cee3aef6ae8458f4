from __future__ import annotations

from toolkit.model import Category, Finding, Level, Location, ObjectRef, RunResult
from toolkit.report import render
from toolkit.report.github import escape_data, escape_property


def unescape(s: str) -> str:
    return (s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def annotations(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


def test_one_command_per_active_finding(report: RunResult) -> None:
    lines = annotations(render(report, "github"))
    assert len(lines) == 4
    assert lines[0].startswith(
        "::error file=supabase/migrations/20240101000000_init.sql,line=12,col=1,title=rls_disabled::")
    assert sum(line.startswith("::warning ") for line in lines) == 2
    assert sum(line.startswith("::notice ") for line in lines) == 1
    assert not any("no_primary_key" in line for line in lines)


def test_tricky_message_is_escaped_and_round_trips() -> None:
    msg = "100% open: a,b\r\nsecond line %0A literal"
    f = Finding("r", Level.WARN, Category.SECURITY, ObjectRef("table", "public", "t"), msg,
                location=Location("supabase/migrations/1_a,b:c.sql", 2, 5))
    (line,) = annotations(render(RunResult(findings=[f]), "github"))
    head, _, body = line.partition("::")[2].partition("::")
    assert "\n" not in line and "\r" not in line
    assert unescape(body) == msg
    assert head == "warning file=supabase/migrations/1_a%2Cb%3Ac.sql,line=2,col=5,title=r"


def test_escaping_rules() -> None:
    assert escape_data("a%b\nc\rd:e,f") == "a%25b%0Ac%0Dd:e,f"
    assert escape_property("a%b\nc\rd:e,f") == "a%25b%0Ac%0Dd%3Ae%2Cf"


def test_finding_without_location_names_its_object(report: RunResult) -> None:
    line = next(x for x in render(report, "github").splitlines() if "search_path" in x)
    assert line.startswith("::warning title=function_search_path_mutable::public.f(uuid): ")


def test_remediation_is_a_second_line(report: RunResult) -> None:
    line = next(x for x in render(report, "github").splitlines() if "rls_disabled" in x)
    assert line.endswith("%0Aalter table public.notes enable row level security;")


def test_a_clean_run_prints_one_plain_line_and_no_annotation() -> None:
    """A run that prints nothing reads like a run that did not happen."""
    out = render(RunResult(info={"command": "check"}), "github")
    assert out == "supakit check: 0 errors, 0 warnings, 0 info\n"


def test_the_last_line_counts_the_findings(report: RunResult) -> None:
    last = render(report, "github").splitlines()[-1]
    assert not last.startswith("::") and last.startswith("supakit: 1 error, 2 warnings, 1 info, 1 suppressed")
    assert "3 tables audited" in last


def test_a_run_that_stopped_is_an_error_annotation() -> None:
    out = render(RunResult(incomplete=True, error="cannot start PostgreSQL\nsecond line"), "github")
    assert "::error title=supakit::cannot start PostgreSQL%0Asecond line" in out.splitlines()
