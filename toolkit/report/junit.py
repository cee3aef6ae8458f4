"""JUnit XML: one test suite per table (or other object), so CI test views list clean tables too."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from toolkit.model import Finding, Level, RunResult
from toolkit.report import common

FAILING = (Level.ERROR, Level.WARN)
# Characters XML 1.0 cannot carry at all, even escaped; a message quoting binary data must not
# make the whole file unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(s: str) -> str:
    return NOT_XML.sub("\ufffd", s)


def _case(suite: ET.Element, name: str, classname: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", name=name, classname=classname, time="0")


def _finding_case(suite: ET.Element, group: str, f: Finding) -> None:
    case = _case(suite, clean(f"{f.rule}: {f.object.label}"), clean(f"supakit.{group}"))
    where = f"{f.location}: " if f.location else ""
    detail = f"{where}{f.message}" + (f"\nfix: {f.remediation}" if f.remediation else "")
    detail += "".join(f"\nalso {line}" for line in common.also_seen(f))
    if f.level in FAILING:
        failure = ET.SubElement(case, "failure", message=clean(f.message),
                                type=f"{f.level.value}:{f.rule}")
        failure.text = clean(detail)
    else:
        ET.SubElement(case, "system-out").text = clean(detail)


def build(report: RunResult) -> ET.Element:
    root = ET.Element("testsuites", name="supakit")
    groups = dict(common.grouped(report.active()))
    tables = list(common.matrix_rows(report.coverage))
    names = tables + sorted(k for k in groups if k not in tables)
    total = failed = 0
    for name in names:
        findings = groups.get(name, [])
        suite = ET.SubElement(root, "testsuite", name=clean(name))
        for f in findings:
            _finding_case(suite, name, f)
        if name in tables and not any(f.level in FAILING for f in findings):
            _case(suite, "no findings at error or warn level", clean(f"supakit.{name}"))
        n = len(suite)
        k = sum(f.level in FAILING for f in findings)
        suite.set("tests", str(n))
        suite.set("failures", str(k))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total += n
        failed += k
    if report.incomplete:
        suite = ET.SubElement(root, "testsuite", name="migrations", tests="1", failures="0",
                              errors="1", skipped="0")
        case = _case(suite, "all migrations applied", "supakit.migrations")
        title, sentence = common.incomplete_headline(report)
        err = ET.SubElement(case, "error", message=clean(f"{title}: {sentence}"), type="incomplete")
        stopped = common.stopped(report)
        err.text = clean("\n".join(common.failures(report) + ([f"stopped: {stopped}"] if stopped else [])))
        total += 1
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "1" if report.incomplete else "0")
    return root


def render(report: RunResult) -> str:
    root = build(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
