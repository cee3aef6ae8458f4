"""SARIF 2.1.0 for code scanning: rules from the registry, results with physical locations."""

from __future__ import annotations

from typing import Any

from toolkit import __version__
from toolkit.model import Finding, Level, RunResult
from toolkit.registry import RuleInfo, all_rules
from toolkit.report import common, indented_json
from toolkit.rules_doc import doc_link, docs_base, help_markdown, help_text
from toolkit.suppress import fingerprint

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Level.ERROR: "error", Level.WARN: "warning", Level.INFO: "note"}
SUPPRESSION_KIND = {"inline": "inSource"}
JUSTIFICATION = {
    "inline": "supakit-ignore comment in the migration; its reason is next to it",
    "config": "ignore entry, with its reason, in the supakit settings",
    "baseline": "accepted in the baseline file",
}
# Results need somewhere to point; findings without a file (say, from a --db-url audit) are
# attached to the migrations folder and named by their database object.
FALLBACK_URI = "supabase/migrations"


def _rule_descriptor(rule_id: str, summary: str, level: Level, props: dict[str, str],
                     info: RuleInfo | None = None) -> dict[str, Any]:
    """The rule's page travels in `help`, so a code host shows it; `helpUri` only when a docs URL
    is configured (a relative one would point into the user's repository)."""
    out: dict[str, Any] = {"id": rule_id, "name": rule_id, "shortDescription": {"text": summary}}
    link = doc_link(rule_id)
    if link is not None:
        out["helpUri"] = link
    if info is not None:
        out["help"] = {"text": help_text(info), "markdown": help_markdown(info)}
    else:
        out["help"] = {"text": f"{summary} `supakit rules {rule_id}` explains it."}
    out["defaultConfiguration"] = {"level": SARIF_LEVEL[level]}
    out["properties"] = props
    return out


def _location(report: RunResult, f: Finding) -> dict[str, Any]:
    logical = {"fullyQualifiedName": f.object.label, "kind": f.object.type}
    if f.location is None:
        return {
            "physicalLocation": {"artifactLocation": {
                "uri": common.repo_path(report, FALLBACK_URI)}},
            "logicalLocations": [logical],
        }
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": common.repo_path(report, f.location.file)},
            "region": {"startLine": max(f.location.line, 1), "startColumn": max(f.location.column, 1)},
        },
        "logicalLocations": [logical],
    }


def build(report: RunResult) -> dict[str, Any]:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    # Every rule is listed; the pages of the rules this report mentions travel with it (all of
    # them would weigh a megabyte).
    mentioned = {r for f in report.findings for r in f.rules}
    for r in all_rules():
        index[r.id] = len(descriptors)
        descriptors.append(_rule_descriptor(r.id, r.summary, r.level,
                                            {"category": r.category.value, "stage": r.stage.value},
                                            r if r.id in mentioned else None))
    findings = common.sorted_findings(report.findings)
    for f in findings:
        if f.rule not in index:
            index[f.rule] = len(descriptors)
            descriptors.append(_rule_descriptor(f.rule, f.message, f.level, {"category": f.category.value}))
    results = []
    for f in findings:
        text = f"{f.message}\n{f.remediation}" if f.remediation else f.message
        text += "".join(f"\nalso {line}" for line in common.also_seen(f))
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": SARIF_LEVEL[f.level],
            "message": {"text": text},
            "locations": [_location(report, f)],
            "partialFingerprints": {"supakit/v1": fingerprint(f)},
            "properties": {"category": f.category.value, "object": str(f.object)},
        }
        if f.evidence:
            result["properties"]["evidence"] = f.evidence
        if f.merged:
            result["properties"]["merged"] = [m.to_dict() for m in f.merged]
            related = [m for m in f.merged if m.location is not None]
            if related:
                result["relatedLocations"] = [
                    {"id": i, **_location(report, m), "message": {"text": f"{m.rule}: {m.message}"}}
                    for i, m in enumerate(related)]
        if f.suppressed_by:
            kind = common.suppression_kind(f)
            result["suppressions"] = [{"kind": SUPPRESSION_KIND.get(kind, "external"),
                                       "justification": JUSTIFICATION.get(kind, f.suppressed_by)}]
        results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": not report.incomplete}
    if report.incomplete:
        stopped = common.stopped(report)
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": f"migration failed: {x}"}} for x in common.failures(report)
        ] + ([{"level": "error", "message": {"text": f"supakit stopped: {stopped}"}}] if stopped else [])
    driver: dict[str, Any] = {"name": "supakit", "version": __version__}
    if docs_base():
        driver["informationUri"] = docs_base()
    driver["rules"] = descriptors
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def render(report: RunResult) -> str:
    return indented_json.dumps(build(report), common.jsonable) + "\n"
