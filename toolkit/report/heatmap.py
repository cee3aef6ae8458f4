"""The coverage heat map of the HTML report: one row per exposed table, one column per API role
and command, each cell coloured by what that role gets.

Rows carry their position in "worst first" order, so the page's script sorts 1,000 rows by
reading an attribute instead of recomputing anything.
"""

from __future__ import annotations

from html import escape
from typing import Any

from toolkit.model import CoverageCell, Finding, Level
from toolkit.report import common

# Coverage status → (CSS class, name in the legend, what it means for an attacker, rank).
# The rank orders "worst first": what an attacker gets, from nothing to everything.
STATES: dict[str, tuple[str, str, str, int]] = {
    "no grant": ("g", "no grant", "the API refuses the request: the role holds no privilege", 0),
    "denied": ("d", "denied", "RLS is on and no policy lets this role in: zero rows", 1),
    "row-scoped": ("r", "own rows", "each caller reaches only rows tied to them "
                   "(auth.uid() = user_id and the like)", 2),
    "owner-scoped": ("r", "own rows", "each caller reaches only rows tied to them", 2),
    "predicate": ("p", "condition", "another condition decides which rows: read the policy", 3),
    "open": ("o", "open", "the policy is true: anyone holding the role reaches every row", 4),
    "no RLS": ("n", "no RLS", "RLS is off: anyone holding the role reaches every row, "
               "whatever the policies say", 5),
}
UNKNOWN = ("g", "?", "not computed", 0)
ROLE_WHO = {"anon": "anyone with the project's public anon key", "authenticated": "any signed-in user"}
LEVEL_CLASS = {Level.ERROR: "lvl-error", Level.WARN: "lvl-warn", Level.INFO: "lvl-info"}
_CLASS_AND_TEXT = {status: (cls, escape(common.short_status(status), False))
                   for status, (cls, *_rest) in STATES.items()}
# Most cells name no policy; their markup is the same every time.
_PLAIN = {status: f'<td class="{cls}">{short}</td>' for status, (cls, short) in _CLASS_AND_TEXT.items()}


def state(status: str) -> tuple[str, str, str, int]:
    return STATES.get(status, UNKNOWN)


def render(cells: list[CoverageCell], findings: dict[str, list[Finding]], anchors: dict[str, str]) -> str:
    """`findings` and `anchors`: per `schema.table`, its findings and the id of their group."""
    rows = common.matrix_rows(cells)
    roles = common.matrix_roles(cells)
    columns = [(role, cmd) for role in roles for cmd in common.COMMANDS]

    def badness(item: tuple[str, dict[tuple[str, str], CoverageCell]]) -> tuple[Any, ...]:
        name, row = item
        ranks = [state(c.status)[3] for c in row.values()]
        worst = max(ranks, default=0)
        items = findings.get(name, [])
        return (-worst, -ranks.count(worst), -max((x.level.rank for x in items), default=0),
                -len(items), name)

    worst_order = {name: i for i, (name, _) in enumerate(sorted(rows.items(), key=badness))}
    by_schema: dict[str, list[str]] = {}
    for name, row in rows.items():
        schema = next(iter(row.values())).schema
        by_schema.setdefault(schema, []).append(
            _row(name, row, columns, worst_order[name], findings.get(name, []), anchors.get(name)))
    head1 = '<th class="name" rowspan="2">table</th>' + "".join(
        f'<th colspan="{len(common.COMMANDS)}">{escape(role)}</th>' for role in roles)
    head2 = "".join(f"<th>{cmd}</th>" for _ in roles for cmd in common.COMMANDS)
    bodies = "".join(
        f'<tbody><tr class="schema"><th colspan="{len(columns) + 1}">schema {escape(schema)}</th></tr>'
        + "".join(lines) + "</tbody>"
        for schema, lines in by_schema.items())
    return ('<section id="coverage"><h2>RLS coverage</h2>'
            "<p>Every table the Data API serves (over REST, and over GraphQL when pg_graphql is "
            "installed), and what each API role gets for each command.</p>"
            + legend() + _controls(len(rows))
            + f'<div class="heat-wrap"><table class="heat" id="heat"><thead><tr>{head1}</tr>'
            f"<tr>{head2}</tr></thead>{bodies}</table></div></section>")


def legend() -> str:
    seen: set[str] = set()
    items = []
    for status, (cls, name, meaning, _) in STATES.items():
        if cls not in seen:
            seen.add(cls)
            items.append(f'<li><span class="cell {cls}">{escape(common.short_status(status))}</span>'
                         f"<span><strong>{escape(name)}</strong>: {escape(meaning)}</span></li>")
    who = "; ".join(f"<code>{role}</code> is {text}" for role, text in ROLE_WHO.items())
    return (f'<ul class="legend">{"".join(items)}</ul>'
            f'<p class="summary">Columns are API role × command. {who}. A cell\'s tooltip names the '
            "policies behind it and the migration line that created each.</p>")


def _controls(n: int) -> str:
    """Shown by the script; without it they could not work, so the page starts with them hidden."""
    return ('<div class="controls" id="heat-controls" hidden>'
            '<label>Filter <input type="search" id="heat-filter" placeholder="table name" '
            'autocomplete="off"></label>'
            '<label>Sort <select id="heat-sort"><option value="name">by name</option>'
            '<option value="worst">worst cell first</option></select></label>'
            '<label><input type="checkbox" id="heat-findings"> only tables with findings</label>'
            f'<span class="shown" id="heat-shown">{n} tables</span></div>')


def cell_title(c: CoverageCell) -> str:
    """The policies behind a cell and the migration (file name:line) that created each."""
    lines = []
    for i, policy in enumerate(c.policies):
        loc = c.locations[i] if i < len(c.locations) else None
        lines.append(f"{policy} · {loc.file.rsplit('/', 1)[-1]}:{loc.line}" if loc else policy)
    return "\n".join(lines)


def _row(name: str, row: dict[tuple[str, str], CoverageCell], columns: list[tuple[str, str]],
         by_worst: int, items: list[Finding], anchor: str | None) -> str:
    table = next(iter(row.values())).table
    mark = ""
    if items:
        worst = max(items, key=lambda x: x.level.rank).level
        mark = (f'<a class="mark badge {LEVEL_CLASS[worst]}" href="#{anchor}" '
                f'title="{len(items)} findings, worst {worst.value}">{len(items)}</a>')
    cells = []
    for key in columns:
        c = row.get(key)
        if c is None:
            cells.append('<td class="g">?</td>')
        elif c.policies:
            cls, short = _CLASS_AND_TEXT.get(c.status) or ("g", escape(c.status, False))
            cells.append(f'<td class="{cls}" title="{escape(cell_title(c))}">{short}</td>')
        else:
            cells.append(_PLAIN.get(c.status) or f'<td class="g">{escape(c.status, False)}</td>')
    only = common.row_label(name, row)[len(name):]  # " (GraphQL only)" or nothing
    return (f'<tr class="t" data-key="{escape(name)}" data-w="{by_worst}"><th scope="row">'
            f"{escape(table, False)}{escape(only, False)}{mark}</th>" + "".join(cells) + "</tr>")
