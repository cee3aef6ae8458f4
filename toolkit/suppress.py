"""Suppressions: inline `supakit-ignore` comments, the config allowlist, and a baseline file.

Every suppression must say why, and one that suppresses nothing is reported, so the list of
accepted risks stays short and true.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.errors import ConfigError, SupakitError
from toolkit.migrations import discover, read_sql_file
from toolkit.model import Category, Finding, Level, Location, ObjectRef, RunResult, Stage
from toolkit.registry import RuleInfo, all_rules, get, register
from toolkit.sql.split import SqlSyntaxError, Statement, split_statements

if TYPE_CHECKING:
    from toolkit.project import Project
    from toolkit.rule_settings import RuleSettings

UNUSED_SUPPRESSION = register(RuleInfo(
    id="unused_suppression", level=Level.INFO, category=Category.HYGIENE,
    summary="A supakit-ignore comment, config ignore entry or baseline entry that suppresses nothing.",
    stage=Stage.SUPPRESSION))
SUPPRESSION_WITHOUT_REASON = register(RuleInfo(
    id="suppression_without_reason", level=Level.WARN, category=Category.HYGIENE,
    summary="A supakit-ignore comment without a `-- reason`; it suppresses nothing until it has one.",
    stage=Stage.SUPPRESSION))

BASELINE_VERSION = 1
DIRECTIVE = re.compile(r"--\s*supakit-ignore(?P<whole>-file)?(?![\w-])\s*:?(?P<rest>.*)$")
# Stages whose rules only run against a database; their suppressions cannot be judged unused
# when that database is incomplete.
DATABASE_STAGES = frozenset({Stage.AUDIT, Stage.PROBE})


@dataclass
class Directive:
    """One `-- supakit-ignore[-file]: rules -- reason` comment."""

    file: str
    line: int
    column: int
    rules: tuple[str, ...]
    reason: str
    whole_file: bool
    used: set[str] = field(default_factory=set)


def parse_directives(text: str, rel: str) -> list[Directive]:
    out: list[Directive] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if "supakit-ignore" not in line:
            continue
        m = DIRECTIVE.search(line)
        if not m:
            continue
        rules_part, _, reason = m.group("rest").partition("--")
        rules = tuple(r for r in re.split(r"[,\s]+", rules_part.strip()) if r)
        out.append(Directive(rel, n, m.start() + 1, rules, reason.strip(), bool(m.group("whole"))))
    return out


class SourceFile:
    """One project file's directives and the line span each statement's suppressions cover."""

    def __init__(self, rel: str, text: str) -> None:
        self.rel = rel
        self.lines = text.splitlines()
        self.directives = parse_directives(text, rel)
        self._by_line: dict[int, list[Directive]] = {}
        for d in self.directives:
            if not d.whole_file:
                self._by_line.setdefault(d.line, []).append(d)
        self._stmts: list[Statement] | None = None
        if self._by_line:
            try:
                self._stmts = split_statements(text)
            except SqlSyntaxError:
                self._stmts = None
        self._starts = [s.line for s in self._stmts or []]

    def file_directives(self) -> list[Directive]:
        return [d for d in self.directives if d.whole_file]

    def scope(self, line: int) -> range:
        """The lines whose comments apply to a finding at `line`: the statement holding it and
        the comment lines directly above that statement."""
        stmts = self._stmts or []
        i = bisect.bisect_right(self._starts, line) - 1
        if i >= 0 and stmts[i].line <= line <= stmts[i].end_line:
            stmt = stmts[i]
            prev_end = stmts[i - 1].end_line if i > 0 else 0
            start = stmt.line if prev_end >= stmt.line else prev_end + 1
            return range(start, stmt.end_line + 1)
        start = line
        while start > 1 and self._comment_or_blank(start - 1):
            start -= 1
        return range(start, line + 1)

    def _comment_or_blank(self, line: int) -> bool:
        if line > len(self.lines):
            return False
        s = self.lines[line - 1].strip()
        return not s or s.startswith("--")

    def statement_directives(self, line: int) -> list[Directive]:
        if not self._by_line:
            return []
        return [d for n in self.scope(line) for d in self._by_line.get(n, [])]


@dataclass
class ConfigEntry:
    index: int
    rule: str
    object: str | None
    reason: str
    used: bool = False

    def matches(self, f: Finding) -> bool:
        if not fnmatchcase(f.rule, self.rule):
            return False
        if not self.object:
            return True
        o = f.object
        names = {str(o), o.label, f"{o.schema}.{o.name}" if o.schema else o.name}
        if o.parent:
            names.add(o.parent)
        if o.type == "function":  # `public.f` names every overload, as lint names a function
            names.add(f"{o.schema}.{o.name.split('(', 1)[0]}" if o.schema else o.name.split("(", 1)[0])
        return any(fnmatchcase(n, self.object) for n in names)


def message_hash(message: str) -> str:
    """A short hash of the message with numbers removed, so line numbers, counts and migration
    timestamps in a message do not make a baseline entry go stale."""
    norm = " ".join(re.sub(r"\d+", "#", message).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:12]


def fingerprint(f: Finding) -> str:
    """Identity of a finding that survives edits to unrelated lines: rule, object, message."""
    return f"{f.rule}:{f.object}:{message_hash(f.message)}"


def apply_suppressions(report: RunResult, project: Project, baseline: Path | None) -> None:
    """Mark suppressed findings (`suppressed_by` = inline | config | baseline) and append
    findings for suppressions that are broken or suppress nothing."""
    entries = _config_entries(project)
    files = _load_files(report, project)
    _apply_inline(report, files)
    rules = project.rules
    judge = _Judge(_stages_ran(report), rules)
    meta = rules.apply(m for src in files.values() for d in src.directives
                       for m in _directive_findings(d, judge))
    for f in report.findings + meta:
        for entry in entries:
            if entry.matches(f):
                entry.used = True
                if not f.suppressed_by:
                    f.suppressed_by = "config"
    stale: list[dict[str, Any]] = []
    if baseline is not None:
        stale = _apply_baseline(report, baseline)
    meta += rules.apply(_unused_config(entries, project, judge))
    if baseline is not None:
        meta += rules.apply(_stale_baseline(stale, baseline, project, judge))
    report.findings.extend(meta)


def _load_files(report: RunResult, project: Project) -> dict[str, SourceFile]:
    paths: dict[str, Path] = {}
    try:
        for mf in discover(project.migrations_dir, project.root).files:
            paths[mf.rel] = mf.path
    except SupakitError:
        pass
    if project.seed_file.is_file():
        paths.setdefault(project.rel(project.seed_file), project.seed_file)
    for f in report.findings:
        if f.location and f.location.file.endswith(".sql"):
            paths.setdefault(f.location.file, project.root / f.location.file)
    files: dict[str, SourceFile] = {}
    for rel, path in sorted(paths.items()):
        if not path.is_file():
            continue
        try:
            text = read_sql_file(path, rel)
        except SupakitError:
            continue
        files[rel] = SourceFile(rel, text)
    return files


def _apply_inline(report: RunResult, files: dict[str, SourceFile]) -> None:
    """A finding an earlier stage already suppressed still marks the comment as used."""
    for f in report.findings:
        if f.location is None:
            continue
        src = files.get(f.location.file)
        if src is None:
            continue
        for d in src.file_directives() + src.statement_directives(f.location.line):
            if f.rule in d.rules and d.reason:
                d.used.add(f.rule)
                f.suppressed_by = f.suppressed_by or "inline"


def _config_entries(project: Project) -> list[ConfigEntry]:
    """The `ignore` entries, which `project.validate_settings` checked when the settings were read."""
    return [ConfigEntry(i, item["rule"], item.get("object"), item["reason"])
            for i, item in enumerate(project.settings.get("ignore") or [])]


def _stages_ran(report: RunResult) -> set[Stage]:
    """Stages whose rules ran, so a suppression for a rule that never ran (say an audit rule
    during `supakit lint`) is not called unused. The suppressions themselves always run."""
    ran = set(report.stages)
    if report.incomplete:
        ran -= DATABASE_STAGES
    return ran | {Stage.SUPPRESSION}


@dataclass(frozen=True)
class _Judge:
    """Whether a suppression naming a rule can be called unused: only when the rule ran."""

    ran: set[Stage]
    rules: RuleSettings

    def judgeable(self, rule_id: str) -> bool:
        rule = get(rule_id)  # loads the other stages' rule modules only for an id not at hand
        return self.rules.enabled(rule_id) and (rule is None or rule.stage in self.ran)

    def hint(self, rule_id: str) -> str:
        if "*" in rule_id or get(rule_id) is not None:
            return ""
        close = difflib.get_close_matches(rule_id, [r.id for r in all_rules()], n=1, cutoff=0.6)
        return f" (no rule is named '{rule_id}'; did you mean '{close[0]}'?)" if close else (
            f" (no rule is named '{rule_id}')")


def _meta(rule: RuleInfo, where: Location, message: str, remediation: str,
          evidence: dict[str, Any]) -> Finding:
    return rule.finding(ObjectRef("file", None, where.file), message, location=where,
                        remediation=remediation, evidence=evidence)


def _directive_findings(d: Directive, judge: _Judge) -> list[Finding]:
    where = Location(d.file, d.line, d.column)
    kind = "supakit-ignore-file" if d.whole_file else "supakit-ignore"
    if not d.rules:
        return [_meta(UNUSED_SUPPRESSION, where, f"{kind} names no rule id, so it suppresses nothing",
                      f"Write `-- {kind}: rule_id -- reason`; `supakit rules` lists the ids.",
                      {"kind": "inline"})]
    if not d.reason:
        return [_meta(SUPPRESSION_WITHOUT_REASON, where,
                      f"{kind} for {', '.join(d.rules)} gives no reason, so it suppresses nothing",
                      f"Say why after the rule ids: `-- {kind}: {', '.join(d.rules)} -- <reason>`.",
                      {"rules": list(d.rules)})]
    out = []
    for rule_id in d.rules:
        if rule_id in d.used or not judge.judgeable(rule_id):
            continue
        scope = "this file" if d.whole_file else "the statement it annotates"
        out.append(_meta(UNUSED_SUPPRESSION, where,
                         f"{kind} for {rule_id} suppresses nothing in {scope}{judge.hint(rule_id)}",
                         "Remove the rule id from the comment, or move the comment onto or directly "
                         "above the statement that creates the object.",
                         {"kind": "inline", "rule": rule_id}))
    return out


def _unused_config(entries: list[ConfigEntry], project: Project, judge: _Judge) -> list[Finding]:
    out = []
    source = project.settings_file
    rel = project.rel(source) if source else "supakit.toml"
    lines = _read_lines(source)
    seen: Counter[str] = Counter()
    for entry in entries:
        seen[entry.rule] += 1
        if entry.used or not judge.judgeable(entry.rule):
            continue
        line = _nth_line_with(lines, f'"{entry.rule}"', seen[entry.rule]) or 1
        target = f" for {entry.object}" if entry.object else ""
        out.append(_meta(UNUSED_SUPPRESSION, Location(rel, line, 1),
                         f"ignore entry {entry.index + 1} ({entry.rule}{target}) suppresses nothing"
                         f"{judge.hint(entry.rule)}",
                         "Delete the entry, or fix its rule id or object pattern.",
                         {"kind": "config", "rule": entry.rule, "object": entry.object}))
    return out


def _read_lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def _nth_line_with(lines: list[str], needle: str, nth: int) -> int | None:
    count = 0
    for n, line in enumerate(lines, start=1):
        if needle in line:
            count += 1
            if count == nth:
                return n
    return None


# Baseline -------------------------------------------------------------------------------------


def _entry(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "object": str(f.object),
        "message_hash": message_hash(f.message),
        "file": f.location.file if f.location else None,
        "message": f.message,
    }


def _key(e: dict[str, Any]) -> tuple[str, str, str]:
    return (str(e["rule"]), str(e["object"]), str(e["message_hash"]))


def write_baseline_file(report: RunResult, path: Path) -> int:
    """Record every active finding as accepted. Returns how many were written. Findings about
    suppressions themselves are left out: a baseline must not hide a broken ignore comment."""
    meta = {UNUSED_SUPPRESSION.id, SUPPRESSION_WITHOUT_REASON.id}
    entries = sorted((_entry(f) for f in report.active() if f.rule not in meta),
                     key=lambda e: (*_key(e), e["message"]))
    doc = {
        "version": BASELINE_VERSION,
        "tool": "supakit",
        "about": "Findings accepted when this file was written; supakit reports only new ones. "
                 "Entries match on rule, object and message (numbers ignored), not on lines.",
        "findings": entries,
    }
    try:
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot write baseline: {e.strerror}") from None
    return len(entries)


def read_baseline_file(path: Path) -> list[dict[str, Any]]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such baseline file (create one with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read baseline: {getattr(e, 'strerror', None) or e}") from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}:{e.lineno}:{e.colno}: baseline is not valid JSON: {e.msg}") from None
    if not isinstance(doc, dict) or doc.get("version") != BASELINE_VERSION:
        raise ConfigError(f"{path}: not a supakit baseline of version {BASELINE_VERSION} "
                          "(write a new one with --write-baseline)")
    items = doc.get("findings")
    if not isinstance(items, list) or not all(
        isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("rule", "object", "message_hash"))
        for e in items
    ):
        raise ConfigError(f"{path}: baseline 'findings' must be a list of entries with rule, "
                          "object and message_hash")
    return items


def _apply_baseline(report: RunResult, path: Path) -> list[dict[str, Any]]:
    """Suppress one active finding per baseline entry; return the entries left unmatched."""
    items = read_baseline_file(path)
    budget = Counter(_key(e) for e in items)
    for f in sorted(report.active(), key=lambda x: (x.location is None, str(x.location), x.rule)):
        k = (f.rule, str(f.object), message_hash(f.message))
        if budget[k] > 0:
            budget[k] -= 1
            f.suppressed_by = "baseline"
    stale: list[dict[str, Any]] = []
    for e in items:
        k = _key(e)
        if budget[k] > 0:
            budget[k] -= 1
            stale.append(e)
    return stale


def _stale_baseline(stale: list[dict[str, Any]], path: Path, project: Project,
                    judge: _Judge) -> list[Finding]:
    judged = [e for e in stale if judge.judgeable(str(e["rule"]))]
    if not judged:
        return []
    rel = project.rel(path)
    rules = sorted({str(e["rule"]) for e in judged})
    n = len(judged)
    return [_meta(UNUSED_SUPPRESSION, Location(rel, 1, 1),
                  f"{n} baseline {'entry matches' if n == 1 else 'entries match'} no finding any more "
                  f"({', '.join(rules)})",
                  "Those findings are fixed: run with --write-baseline to shrink the baseline.",
                  {"kind": "baseline", "entries": [{k: e.get(k) for k in ("rule", "object")}
                                                   for e in judged]})]


def configured_baseline(project: Project, option: Path | None) -> Path | None:
    """`--baseline` wins; else the `baseline` setting, relative to the project root."""
    if option is not None:
        return option
    setting = project.settings.get("baseline")
    if not setting:
        return None
    if not isinstance(setting, str):
        raise ConfigError("baseline setting must be a path string")
    return project.root / setting
