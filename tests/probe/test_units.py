"""The pure parts: candidate values, owner/tenant structure, fill order, check groups."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from toolkit.facts.scope import Scopes
from toolkit.model import Column, ForeignKey, Index, Snapshot, Table
from toolkit.probe.order import fill_order
from toolkit.probe.solver import domain_check, groups_for
from toolkit.probe.typeinfo import check_body
from toolkit.probe.values import (
    check_literals,
    datetime_candidates,
    demote_public,
    numeric_candidates,
    text_candidates,
)


def test_check_literals_find_strings_and_numbers() -> None:
    strings, numbers = check_literals([
        "(status = ANY (ARRAY['draft'::text, 'public'::text]))",
        "((level_db >= ('-90'::integer)::numeric) AND (level_db <= (10)::numeric))",
    ])
    assert strings == ["draft", "public"]
    assert numbers == [Decimal(-90), Decimal(10)]


def test_values_that_read_as_public_come_last() -> None:
    assert demote_public(["public", "private", "Published", "team"]) == [
        "private", "team", "public", "Published"]


def test_text_candidates_follow_the_column_and_vary_by_row() -> None:
    assert text_candidates("billing_email", 3, [], None)[0] == "probe.3@example.com"
    assert text_candidates("slug", 0, [], None)[0] == "probe-0"
    assert text_candidates("kind", 0, ["wedge", "iem"], None)[:2] == ["wedge", "iem"]
    short = text_candidates("code", 1, [], 2)
    assert all(len(w) <= 2 for w in short) and "BB" in short
    assert text_candidates("code", 0, [], 2) != text_candidates("code", 1, [], 2)


def test_numeric_candidates_respect_precision_and_ranges() -> None:
    got = numeric_candidates([Decimal("0.75"), Decimal("2.00")], 0, integer=False,
                             limit=Decimal(10), scale=2)
    assert got[0] == "0.75"
    assert all(abs(Decimal(v)) < 10 for v in got)
    ints = numeric_candidates([Decimal(1), Decimal(256)], 4, integer=True, limit=None, scale=None)
    assert ints[0] == "5"


@given(precision=st.integers(1, 12), data=st.data(), k=st.integers(0, 40),
       bounds=st.lists(st.integers(-10**6, 10**6), max_size=3))
def test_numeric_candidates_always_fit_their_column(precision, data, k, bounds) -> None:  # type: ignore[no-untyped-def]
    scale = data.draw(st.integers(0, precision))
    limit = Decimal(10) ** (precision - scale)
    got = numeric_candidates([Decimal(b) for b in bounds], k, integer=False, limit=limit, scale=scale)
    assert got, "a numeric(p, s) column always gets some candidate"
    for value in got:
        d = Decimal(value)
        assert abs(d) < limit and -d.as_tuple().exponent <= scale  # type: ignore[operator]


@given(name=st.text(min_size=1, max_size=20), k=st.integers(0, 60),
       max_len=st.one_of(st.none(), st.integers(1, 12)))
def test_text_candidates_fit_and_differ_between_rows(name, k, max_len) -> None:  # type: ignore[no-untyped-def]
    words = text_candidates(name, k, [], max_len)
    assert words and all(max_len is None or len(w) <= max_len for w in words)
    assert words != text_candidates(name, k + 1, [], max_len)


def test_datetime_candidates_are_future_and_ordered() -> None:
    starts = datetime_candidates("timestamp with time zone", 0)
    assert starts[0] < starts[1] and starts[0].endswith("+00")
    assert datetime_candidates("date", 1) != datetime_candidates("date", 0)


def test_check_body_and_domain_checks() -> None:
    assert check_body("CHECK ((a > 0)) NOT VALID") == "((a > 0))"
    assert domain_check("(VALUE > 0)", "seats") == '("seats" > 0)'


def test_checks_group_the_columns_they_tie_together() -> None:
    groups = groups_for("public.t", ["a", "b", "c"],
                        [(("a", "b"), "(b > a)"), (("c",), "(c <> '')"), (("a", "d"), "(d > a)")],
                        {"a": ["1"], "b": ["1", "2"], "c": ["'x'"]}, {"a": "int", "b": "int", "c": "text"})
    assert sorted(sorted(g.columns) for g in groups) == [["a", "b"], ["c"]]
    ab = next(g for g in groups if "a" in g.columns)
    assert ab.checks == ["(b > a)"]  # the check on d (not free) is left to the insert


def _t(name: str, cols: list[tuple[str, bool]], fks: list[ForeignKey], pk: tuple[str, ...],
       unique: list[tuple[str, ...]] = ()) -> Table:  # type: ignore[assignment]
    idx = [Index(f"{name}_pkey", f"public.{name}_pkey", pk, unique=True, primary=True)]
    idx += [Index(f"{name}_u{i}", f"public.{name}_u{i}", u, unique=True) for i, u in enumerate(unique)]
    return Table("public", name, "r", f"public.{name}",
                 columns=tuple(Column(c, "uuid", not_null=nn) for c, nn in cols),
                 indexes=tuple(idx), foreign_keys=tuple(fks))


def _fk(cols: tuple[str, ...], ref: str, ref_cols: tuple[str, ...] = ("id",)) -> ForeignKey:
    return ForeignKey(f"fk_{'_'.join(cols)}_{ref}", cols, ref, ref_cols)


SCHEMA = [
    _t("profiles", [("id", True)], [_fk(("id",), "auth.users")], ("id",)),
    _t("orgs", [("id", True), ("created_by", False)], [_fk(("created_by",), "public.profiles")], ("id",)),
    _t("members", [("org_id", True), ("user_id", True)],
       [_fk(("org_id",), "public.orgs"), _fk(("user_id",), "public.profiles")], ("org_id", "user_id")),
    _t("projects", [("id", True), ("org_id", True)], [_fk(("org_id",), "public.orgs")], ("id",)),
    _t("tasks", [("id", True), ("project_id", True), ("assignee", False)],
       [_fk(("project_id",), "public.projects"), _fk(("assignee",), "auth.users")], ("id",)),
    _t("notes", [("id", True), ("user_id", True), ("org_id", False)],
       [_fk(("user_id",), "auth.users"), _fk(("org_id",), "public.orgs")], ("id",)),
    _t("lists", [("id", True), ("owner_id", True)], [_fk(("owner_id",), "auth.users")], ("id",)),
    _t("items", [("id", True), ("list_id", True)], [_fk(("list_id",), "public.lists")], ("id",)),
    _t("countries", [("code", True)], [], ("code",)),
]


def test_scopes_come_from_foreign_keys() -> None:
    scopes = Scopes(SCHEMA)
    kinds = {t.name: scopes.of(t).kind for t in SCHEMA}
    assert kinds == {"profiles": "user", "orgs": "tenant", "members": "tenant", "projects": "tenant",
                     "tasks": "tenant", "notes": "owner", "lists": "owner", "items": "derived",
                     "countries": "none"}
    by = {t.name: t for t in SCHEMA}
    assert scopes.of(by["members"]).membership and scopes.of(by["orgs"]).tenant_table
    assert scopes.of(by["notes"]).owner == "user_id"  # NOT NULL beats the nullable org_id
    assert scopes.of(by["projects"]).tenant_columns == ("org_id",)


def test_a_role_lookup_behind_a_link_table_is_no_tenant() -> None:
    roles = _t("roles", [("id", True)], [], ("id",))
    user_roles = _t("user_roles", [("user_id", True), ("role_id", True)],
                    [_fk(("user_id",), "auth.users"), _fk(("role_id",), "public.roles")],
                    ("user_id", "role_id"))
    perms = _t("perms", [("id", True)], [], ("id",))
    role_perms = _t("role_perms", [("role_id", True), ("perm_id", True)],
                    [_fk(("role_id",), "public.roles"), _fk(("perm_id",), "public.perms")],
                    ("role_id", "perm_id"))
    scopes = Scopes([roles, user_roles, perms, role_perms])
    assert scopes.tenants == set()
    assert scopes.of(roles).kind == "none"
    assert scopes.of(user_roles).membership  # still B's attempt to give themselves A's role


def test_fill_order_puts_parents_first_and_breaks_cycles_at_nullable_keys() -> None:
    a = _t("a", [("id", True), ("b_id", False)], [_fk(("b_id",), "public.b")], ("id",))
    b = _t("b", [("id", True), ("a_id", True)], [_fk(("a_id",), "public.a")], ("id",))
    c = _t("c", [("id", True), ("b_id", True)], [_fk(("b_id",), "public.b")], ("id",))
    snap = Snapshot(tables=(a, b, c))
    order, deferred = fill_order(snap, [c])
    assert [t.name for t in order] == ["a", "b", "c"]
    assert deferred == {("public.a", "fk_b_id_public.b")}
