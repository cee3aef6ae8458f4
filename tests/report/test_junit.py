from __future__ import annotations

import xml.etree.ElementTree as ET

from toolkit.model import Category, Finding, Level, Location, ObjectRef, RunResult
from toolkit.report import render


def parse(report: RunResult) -> ET.Element:
    return ET.fromstring(render(report, "junit").encode("utf-8"))


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {s.get("name", ""): s for s in root.iter("testsuite")}


def test_valid_xml_with_one_suite_per_table_and_object(report: RunResult) -> None:
    root = parse(report)
    assert root.tag == "testsuites"
    assert list(suites(root)) == ["public.clean", "public.invoices", "public.notes", "public.f(uuid)"]


def test_error_and_warn_findings_fail_info_does_not(report: RunResult) -> None:
    root = parse(report)
    s = suites(root)
    notes = s["public.notes"]
    assert notes.get("failures") == "1"
    assert notes.find("testcase/failure").get("type") == "error:rls_disabled"  # type: ignore[union-attr]
    invoices = s["public.invoices"]
    cases = invoices.findall("testcase")
    assert invoices.get("failures") == "1"
    info_case = next(c for c in cases if c.get("name", "").startswith("unindexed_foreign_key"))
    assert info_case.find("failure") is None and info_case.find("system-out") is not None
    assert root.get("failures") == "3"
    assert root.get("tests") == str(sum(int(x.get("tests", "0")) for x in s.values()))


def test_clean_table_shows_a_passing_case(report: RunResult) -> None:
    clean = suites(parse(report))["public.clean"]
    (case,) = clean.findall("testcase")
    assert clean.get("failures") == "0" and case.find("failure") is None


def test_suppressed_findings_are_not_test_failures(report: RunResult) -> None:
    names = [c.get("name") for c in parse(report).iter("testcase")]
    assert not any(n and n.startswith("no_primary_key") for n in names)


def test_control_characters_do_not_break_the_xml() -> None:
    f = Finding("r", Level.ERROR, Category.SECURITY, ObjectRef("table", "public", "t\x01"),
                "bad \x00 byte & <tag> \ud800", location=Location("a.sql", 1, 1))
    root = parse(RunResult(findings=[f]))
    assert root.find("testsuite/testcase/failure").get("message") == "bad \ufffd byte & <tag> \ufffd"  # type: ignore[union-attr]


def test_incomplete_database_is_an_error_case() -> None:
    root = parse(RunResult(incomplete=True, info={"failures": ["m.sql:3:1: syntax error"]}))
    mig = suites(root)["migrations"]
    assert mig.find("testcase/error").text == "m.sql:3:1: syntax error"  # type: ignore[union-attr]
    assert root.get("errors") == "1"
