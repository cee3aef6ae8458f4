"""A self-contained HTML report: run facts, the coverage heat map, findings with their source.

One file, inline CSS and a little inline JS, and a Content-Security-Policy that lets the page
fetch nothing: it can be attached to a release or kept as a CI artifact and opened anywhere.
Everything reads without JS (the JS only sorts and filters the heat map). Every string that
comes from the project (names, messages, source lines) is escaped.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from toolkit import __version__
from toolkit.model import Finding, Location, RunResult
from toolkit.report import common, heatmap
from toolkit.suppress import UNUSED_SUPPRESSION

ASSETS = Path(__file__).with_name("html_assets")
LEVEL_CLASS = heatmap.LEVEL_CLASS
# Source shown around a finding's line: up to CONTEXT_LINES each side within CONTEXT_CHARS, each
# line cut at MAX_LINE. Hand-written migrations get their five lines, a schema of long one-line
# statements fewer.
CONTEXT_LINES = 2
CONTEXT_CHARS = 320
MAX_LINE = 160
# The page stays under this many bytes (CI artifact stores, mail attachments): everything but
# the source excerpts is always shown; excerpts fill what is left, worst findings first.
PAGE_BUDGET = 1_950_000


def text(value: object) -> str:
    """Escaped element content (attribute values use `escape`, which also escapes quotes)."""
    return escape(str(value), False)


# --- run facts: the one place that reads RunResult.info ---------------------------------------


@dataclass
class RunFacts:
    command: str
    project: str
    project_path: Path | None
    commit: str | None
    engine: str | None
    exposure: str | None
    applied: int | None
    duration: str
    probe: str | None
    incomplete: bool
    failures: list[str] = field(default_factory=list)
    headline: tuple[str, str] = ("", "")
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)


def run_facts(report: RunResult) -> RunFacts:
    from toolkit.checks.immutability import head_commit

    info = report.info
    stages = [s.value for s in report.stages]
    command = str(info.get("command") or ("probe" if stages == ["probe"] else
                                          "lint" if stages[:1] == ["lint"] else "audit"))
    root = Path(str(info["project"])).resolve() if info.get("project") else None
    return RunFacts(
        command=command,
        project=f"{root.name} ({root})" if root is not None else "",
        project_path=root,
        commit=head_commit(root) if root is not None and root.is_dir() else None,
        engine=str(info["engine"]) if info.get("engine") else None,
        exposure=str(info["exposure"]) if info.get("exposure") else None,
        applied=int(info["applied"]) if info.get("applied") is not None else None,
        duration=common.timings_phrase(report.timings),
        probe=common.probe_phrase(info),
        incomplete=report.incomplete,
        failures=common.failures(report),
        headline=common.incomplete_headline(report),
        stopped=common.stopped(report),
        notes=common.stub_notes(info),
    )


@functools.cache
def assets() -> tuple[str, str, str]:
    """The CSS, the JS, and a CSP that allows exactly these two and nothing from anywhere."""
    css = (ASSETS / "report.css").read_text(encoding="utf-8")
    js = (ASSETS / "report.js").read_text(encoding="utf-8")

    def sha(source: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"

    csp = (f"default-src 'none'; style-src {sha(css)}; script-src {sha(js)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    return css, js, csp


class SourceLines:
    """Lines of the project's files, each file read once; nothing outside the project is read."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._files: dict[str, list[str] | None] = {}

    def lines(self, rel: str) -> list[str] | None:
        """The file's lines, cut at MAX_LINE and escaped; None when it cannot be read."""
        if rel not in self._files:
            raw = self._read(rel)
            self._files[rel] = None if raw is None else [
                text(line[:MAX_LINE] + " …") if len(line) > MAX_LINE else text(line) for line in raw]
        return self._files[rel]

    def _read(self, rel: str) -> list[str] | None:
        if self.root is None:
            return None
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        try:
            return path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None

    def excerpt(self, loc: Location) -> str:
        lines = self.lines(loc.file)
        if not lines or not 1 <= loc.line <= len(lines):
            return ""
        ends = {-1: loc.line, 1: loc.line}  # first and last line shown, grown a line at a time
        budget = CONTEXT_CHARS
        for _ in range(CONTEXT_LINES):
            for side, end in list(ends.items()):
                n = end + side
                cost = len(lines[n - 1]) if 1 <= n <= len(lines) else budget + 1
                if cost <= budget:
                    budget -= cost
                    ends[side] = n
        out = [f"<mark><i>{n}</i>{lines[n - 1]}</mark>" if n == loc.line else f"<i>{n}</i>{lines[n - 1]}"
               for n in range(ends[-1], ends[1] + 1)]
        return '<pre class="src">' + "\n".join(out) + "</pre>"


# --- page ----------------------------------------------------------------------------------


def render(report: RunResult) -> str:
    f = run_facts(report)
    summary = common.summarize(report)
    css, js, csp = assets()
    active = [x for x in report.active() if x.rule != UNUSED_SUPPRESSION.id]
    unused = common.sorted_findings(x for x in report.active() if x.rule == UNUSED_SUPPRESSION.id)
    suppressed = common.suppressed(report)
    groups = common.grouped_worst_first(active)
    anchors = {key: f"g{i}" for i, (key, _) in enumerate(groups)}
    sources = SourceLines(f.project_path)
    head = [
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>supakit {text(f.command)}: {text(summary.phrase())}</title>",
        f"<style>{css}</style></head><body>",
        _header(f, summary, summary.tables if report.coverage else None, len(active), len(suppressed),
                len(unused)),
        "<main>",
    ]
    if report.coverage:
        head.append(heatmap.render(report.coverage, dict(groups), anchors))
    findings = _findings(groups, anchors)
    generated = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    tail = [
        _suppressed(suppressed, unused, sources),
        _rules(sorted({r for x in report.findings for r in x.rules})),
        f"<footer>Generated by supakit {text(__version__)} on {generated}.</footer></main>",
        f"<script>{js}</script></body></html>\n",
    ]
    fixed = "\n".join(head + [p for p in findings if isinstance(p, str)] + tail)
    used = len(fixed.encode()) + len(findings)  # + a line break per part
    return "\n".join(head + _with_sources(findings, sources, PAGE_BUDGET - used) + tail)


def _header(f: RunFacts, s: common.Summary, tables: int | None, n_active: int, n_suppressed: int,
            n_unused: int) -> str:
    worst = "lvl-error" if s.error else "lvl-warn" if s.warn else "lvl-ok"
    verdict = "errors found" if s.error else "warnings found" if s.warn else "no errors or warnings"
    rows: list[tuple[str, str]] = []
    if f.project:
        rows.append(("project", text(f.project)))
    if f.commit:
        rows.append(("commit", f'<code>{text(f.commit)}</code>'))
    if f.engine:
        rows.append(("engine", text(f.engine)))
    if f.exposure:
        rows.append(("exposure", f'{text(f.exposure)} <span class="summary">(default privileges of new '
                                 "tables in public; see docs/exposure.md)</span>"))
    if tables is not None:
        rows.append(("tables audited", str(tables)))
    if f.applied is not None:
        rows.append(("migrations applied", str(f.applied)))
    if f.probe:
        rows.append(("probe coverage", text(f.probe)))
    if f.duration:
        rows.append(("duration", text(f.duration)))
    counts = "".join(
        f'<span class="badge {cls}">{n} {label}</span>'
        for n, label, cls in ((s.error, "error" if s.error == 1 else "errors", "lvl-error"),
                              (s.warn, "warning" if s.warn == 1 else "warnings", "lvl-warn"),
                              (s.info, "info", "lvl-info"),
                              (s.suppressed, "suppressed", "lvl-muted")))
    out = ['<header class="top"><div>',
           f'<h1>supakit {text(f.command)} <span class="badge {worst}">{verdict}</span></h1>',
           f'<div class="counts">{counts}</div>',
           '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"]
    if f.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{text(n)}</li>" for n in f.notes) + "</ul>")
    if f.incomplete:
        title, sentence = f.headline
        problems = [*f.failures, *([f"stopped: {f.stopped}"] if f.stopped else [])]
        out.append(f'<div class="banner"><strong>{text(title)}:</strong> {text(sentence)}.<ul>'
                   + "".join(f"<li><code>{text(x)}</code></li>" for x in problems) + "</ul></div>")
    links = ['<a href="#coverage">RLS coverage</a>'] if tables is not None else []
    links.append(f'<a href="#findings">Findings ({n_active})</a>')
    links.append(f'<a href="#suppressed">Suppressed ({n_suppressed}) and unused suppressions ({n_unused})</a>')
    links.append('<a href="#rules">Rules</a>')
    out.append('<nav class="toc">' + "".join(links) + "</nav></div></header>")
    return "\n".join(out)


# --- findings ------------------------------------------------------------------------------


def _findings(groups: list[tuple[str, list[Finding]]], anchors: dict[str, str]) -> list[str | Location]:
    """The findings section; a Location stands where that finding's source excerpt goes."""
    out: list[str | Location] = ['<section id="findings"><h2>Findings</h2>']
    if not groups:
        out.append("<p>No findings.</p>")
    for key, items in groups:
        levels = "".join(
            f'<span class="badge {LEVEL_CLASS[lv]}">{n} {lv.value}</span>'
            for lv in common.LEVELS if (n := sum(x.level is lv for x in items)))
        out.append(f'<section class="group" id="{anchors[key]}"><header><h3><code>{text(key)}</code></h3>'
                   f"{levels}</header>")
        for f in items:
            out.append(_finding_head(f))
            if f.location:
                out.append(f.location)
            out.append(_finding_tail(f))
        out.append("</section>")
    out.append("</section>")
    return out


def _with_sources(parts: list[str | Location], sources: SourceLines, budget: int) -> list[str]:
    """Fill in source excerpts in page order (worst findings first) while they fit the budget."""
    out: list[str] = []
    left_out = 0
    for p in parts:
        if isinstance(p, str):
            out.append(p)
            continue
        excerpt = sources.excerpt(p)
        size = len(excerpt.encode())
        if size <= budget:
            out.append(excerpt)
            budget -= size
        elif excerpt:
            left_out += 1
    if left_out:
        out.insert(1, f'<p class="summary">Source lines are left out of the last {left_out} findings '
                   "to keep this page small; each still names its file and line.</p>")
    return out


def _finding_head(f: Finding) -> str:
    # Terse markup (styled by the level on the article): a 1,000-table report has ~1,700 of these.
    where = str(f.location) if f.location else f.object.label
    return (f'<article class="f {f.level.value}"><p><b>{f.level.value}</b> <a href="#rule-{escape(f.rule)}">'
            f"{text(f.rule)}</a> <code>{text(where)}</code></p><p>{text(f.message)}</p>")


def _finding_tail(f: Finding) -> str:
    fix = f'<pre class="fix">{text(f.remediation.strip())}</pre>' if f.remediation else ""
    also = ""
    if f.merged:
        items = "".join(f'<li><a href="#rule-{escape(m.rule)}"><code>{text(m.rule)}</code></a> '
                        f"{text(m.message)}</li>" for m in f.merged)
        also = f'<div class="label">Also seen by</div><ul class="plain">{items}</ul>'
    requests = [r for g in (f, *f.merged) for r in g.evidence.get("requests") or []]
    return fix + also + _probe_requests(requests) + "</article>"


def _probe_requests(requests: object) -> str:
    """The probe's requests: who asked, what happened, through which policy. Other evidence is
    in the JSON report; here it would mostly repeat the message."""
    if not isinstance(requests, list) or not requests:
        return ""
    rows = []
    for r in requests:
        if not isinstance(r, dict):
            continue
        outcome = str(r.get("outcome", ""))
        via = ", ".join(str(p) for p in r.get("policies") or [])
        shown = r.get("sql") or " ".join(str(r[k]) for k in ("request", "body") if r.get(k))  # rpc calls
        request = f"<code>{text(shown)}</code>" if shown else ""
        if r.get("detail"):
            request += " " + text(r["detail"])
        rows.append(f"<tr><td>{text(r.get('caller', ''))} <span class=\"summary\">({text(r.get('role', ''))})"
                    f"</span></td><td>{text(r.get('command', ''))}</td>"
                    f"<td class=\"out-{escape(outcome)}\">{text(outcome)}</td>"
                    f"<td>{text(r.get('rows_seen', r.get('rows_changed', '')))}</td><td>{text(via)}</td>"
                    f"<td>{request}</td></tr>")
    return ('<div class="label">Probe requests</div><table class="req"><thead><tr><th>who</th>'
            "<th>command</th><th>outcome</th><th>rows</th><th>via policy</th><th>request</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def _suppressed(suppressed: list[Finding], unused: list[Finding], sources: SourceLines) -> str:
    items = [f'<li><span class="badge {LEVEL_CLASS[f.level]}">{f.level.value}</span> '
             f'<a href="#rule-{escape(f.rule)}"><code>{text(f.rule)}</code></a> '
             f'<code class="where">{text(f.location or f.object.label)}</code> — {text(f.message)} '
             f'<span class="badge lvl-muted">suppressed: {text(f.suppressed_by)}</span></li>'
             for f in suppressed]
    unused_items = [f'<li><code class="where">{text(f.location or f.object.label)}</code> — {text(f.message)}'
                    + (sources.excerpt(f.location) if f.location else "") + "</li>" for f in unused]
    return ('<section><details id="suppressed"><summary>'
            f"{len(suppressed)} suppressed findings, {len(unused)} unused suppressions</summary>"
            "<h3>Suppressed findings</h3>"
            + (f'<ul class="plain">{"".join(items)}</ul>' if items else "<p>None.</p>")
            + "<h3>Unused suppressions</h3>"
            + (f'<ul class="plain">{"".join(unused_items)}</ul>' if unused_items else "<p>None.</p>")
            + "</details></section>")


# --- rules ---------------------------------------------------------------------------------


def _rules(rule_ids: list[str]) -> str:
    out = ['<section id="rules"><h2>Rules</h2>']
    if not rule_ids:
        out.append("<p>No rule reported anything.</p>")
    out += [_rule(r) for r in rule_ids]
    out.append("</section>")
    return "\n".join(out)


def _rule(rule_id: str) -> str:
    """A rule's summary, and its documentation page collapsed under it."""
    from toolkit.registry import get
    from toolkit.rules_doc import doc_link

    info = get(rule_id)
    head = f"<code>{text(rule_id)}</code>" + (f" — {text(info.summary)}" if info else "")
    url = doc_link(rule_id)
    page = (f'Page: <a href="{escape(url)}">{text(url)}</a>' if url is not None
            else f"In a terminal: <code>supakit rules {text(rule_id)}</code>")
    return (f'<details class="rule" id="rule-{escape(rule_id)}"><summary>{head}</summary>'
            f'<p class="summary">{page}</p>{_rule_page(rule_id)}</details>')


@functools.cache
def _rule_page(rule_id: str) -> str:
    """The rule's documentation page as HTML (raw HTML in the Markdown is escaped), or ""."""
    from toolkit.registry import get
    from toolkit.rules_doc import help_markdown

    info = get(rule_id)
    if info is None:
        return ""
    page = help_markdown(info)
    from markdown_it import MarkdownIt

    return f'<div class="rule-doc">{MarkdownIt("commonmark", {"html": False}).render(page)}</div>'
