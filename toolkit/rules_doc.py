"""`supakit rules`: list every registered rule, or show one rule's documentation page."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from toolkit.errors import ConfigError, did_you_mean
from toolkit.registry import RuleInfo, all_rules, doc_path_for, get
from toolkit.rule_pages import MARKER

DOCS_URL_ENV = "SUPAKIT_DOCS_URL"


def docs_dirs() -> list[Path]:
    """Where rule pages may live: the checkout next to the package, then docs shipped inside it."""
    pkg = Path(__file__).resolve().parent
    return [pkg.parent / "docs" / "rules", pkg / "docs" / "rules"]


def doc_file(info: RuleInfo) -> Path | None:
    name = Path(info.doc_path).name
    for d in docs_dirs():
        p = d / name
        if p.is_file():
            return p
    return None


def page_text(info: RuleInfo) -> str | None:
    """The rule's page as readers see it (without the marker `make docs` writes), or None when
    it is not installed."""
    path = doc_file(info)
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    return text.replace(f"\n{MARKER}\n", "")


def docs_base() -> str:
    return os.environ.get(DOCS_URL_ENV, "").strip().rstrip("/")


def doc_link(rule_id: str) -> str | None:
    """The URL of a rule's page when SUPAKIT_DOCS_URL gives the docs' base, else None: a
    relative path would point into the user's repository, where the page does not exist."""
    base = docs_base()
    return f"{base}/{doc_path_for(rule_id)}" if base else None


_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def help_markdown(info: RuleInfo) -> str:
    """The rule's page for a report to carry (SARIF `help`): links into supakit's docs made
    absolute when a docs URL is configured, else reduced to their text."""
    page = page_text(info) or f"# {info.id}\n\n{info.summary}\n"
    base = docs_base()
    here = posixpath.dirname(doc_path_for(info.id))

    def link(m: re.Match[str]) -> str:
        label, target = m.group(1), m.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return m.group(0)
        return f"[{label}]({base}/{posixpath.normpath(posixpath.join(here, target))})" if base else label

    return _LINK.sub(link, page).rstrip("\n") + "\n"


def help_text(info: RuleInfo) -> str:
    """`help_markdown` as plain text: link targets dropped, the words kept."""
    return _LINK.sub(lambda m: m.group(1), help_markdown(info))


def list_rules() -> str:
    rules = all_rules()
    headers = ("id", "level", "category", "stage", "summary")
    rows = [(r.id, r.level.value, r.category.value, r.stage.value, r.summary) for r in rules]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers[:-1])]

    def line(cols: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cols[:-1], widths, strict=True)) + "  " + cols[-1]

    out = [line(headers), line(tuple("-" * w for w in widths) + ("-" * 7,))]
    out += [line(row) for row in rows]
    out.append("")
    out.append(f"{len(rules)} rules. `supakit rules RULE_ID` shows one rule's documentation.")
    return "\n".join(out)


def show_rule(rule_id: str) -> str:
    info = get(rule_id)
    if info is None:
        known = [r.id for r in all_rules()]
        hint = did_you_mean(rule_id, known, cutoff=0.5)
        raise ConfigError(f"unknown rule '{rule_id}'{hint} (`supakit rules` lists them all)")
    text = page_text(info)
    if text is not None:
        return text.rstrip("\n")
    return "\n".join([
        f"# {info.id}",
        "",
        info.summary,
        "",
        f"level: {info.level.value} · category: {info.category.value} · stage: {info.stage.value}",
        "",
        f"The full page ({info.doc_path}) is not installed with this copy of supakit.",
    ])
