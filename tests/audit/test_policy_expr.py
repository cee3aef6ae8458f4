"""Policy-expression analysis over the text Postgres itself prints (pg_policies under
search_path ''), plus a never-raises property over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.engine.base import Database
from toolkit.sql.policy_expr import PolicyAnalyzer, analyze, is_literally_true

SETUP = """
create table public.orgs (id uuid primary key);
create table public.members (org_id uuid, user_id uuid, role text);
create table public.t (id bigint primary key, user_id uuid, org_id uuid, status text, tags text[],
  meta jsonb, created_at timestamptz);
create function public.is_member(o uuid) returns boolean language sql security definer
  set search_path = '' stable as $$ select true $$;
"""
# name -> (USING, WITH CHECK) as written in a migration
POLICIES: dict[str, tuple[str | None, str | None]] = {
    "wrapped_eq": ("(select auth.uid()) = user_id", None),
    "bare_eq": ("user_id = auth.uid()", None),
    "in_members": ("org_id in (select org_id from public.members where user_id = auth.uid())", None),
    "exists_corr": ("exists (select 1 from public.members m where m.org_id = t.org_id "
                    "and m.user_id = (select auth.uid()))", None),
    "exists_corr_bare": ("exists (select 1 from public.members m where m.org_id = t.org_id "
                         "and m.user_id = auth.uid())", None),
    "any_array": ("org_id = any(array(select org_id from public.members "
                  "where user_id = (select auth.uid())))", None),
    "helper": ("public.is_member(org_id)", None),
    "literal_true": ("true", "1 = 1"),
    "or_true": ("status = 'x' or true", None),
    "metadata": ("(auth.jwt() -> 'user_metadata' ->> 'role') = 'admin'", None),
    "raw_meta": ("exists (select 1 from auth.users u where u.id = (select auth.uid()) "
                 "and u.raw_user_meta_data ->> 'admin' = 'true')", None),
    "role_only": ("auth.role() = 'authenticated'", None),
    "not_null": ("(select auth.uid()) is not null", None),
    "uncorrelated": ("exists (select 1 from public.orgs)", None),
    "setting": ("current_setting('request.jwt.claims', true)::json ->> 'sub' = user_id::text", None),
    "wrapped_jwt": ("(select auth.jwt()) ->> 'aal' = 'aal2'", None),
    "row_only": ("status = any(array['a', 'b']) and tags && array['x'] and meta @> '{\"a\": 1}'", None),
    "owner_or_public": ("user_id = (select auth.uid()) or status = 'public'", None),
    "owner_and_status": ("user_id = (select auth.uid()) and status <> 'hidden'", None),
    "case_expr": ("case when status = 'x' then true else false end", None),
    "cast_compare": ("id::text = (auth.jwt() ->> 'sub')", None),
    "check_only": (None, "user_id = (select auth.uid()) and (select count(*) from public.members) < 10"),
}


@pytest.fixture(scope="module")
def texts(engine) -> dict[str, tuple[str | None, str | None]]:  # type: ignore[no-untyped-def]
    """The deparsed USING / WITH CHECK of every policy, as pg_get_expr prints them."""
    db: Database = engine.start()
    try:
        with db.connect() as conn:
            conn.execute(SETUP)
            for name, (using, check) in POLICIES.items():
                cmd = "insert" if using is None else "all" if check else "select"
                sql = f"create policy {name} on public.t for {cmd}"
                if using is not None:
                    sql += f" using ({using})"
                if check is not None:
                    sql += f" with check ({check})"
                conn.execute(sql)
            with conn.transaction():
                conn.execute("select set_config('search_path', '', true)")
                rows = conn.execute("select policyname, qual, with_check from pg_catalog.pg_policies "
                                    "where tablename = 't'").fetchall()
        return {name: (qual, check) for name, qual, check in rows}
    finally:
        db.close()


def facts(texts: dict[str, tuple[str | None, str | None]], name: str, which: int = 0):  # type: ignore[no-untyped-def]
    return analyze(texts[name][which], "t", helpers=["public.is_member"])


def test_deparsed_text_keeps_schemas(texts) -> None:  # type: ignore[no-untyped-def]
    assert texts["wrapped_eq"][0] == "(( SELECT auth.uid() AS uid) = user_id)"
    assert all(analyze(u, "t").parsed for u, _ in texts.values() if u)


@pytest.mark.parametrize("name,columns,caller_columns,scoped", [
    ("wrapped_eq", {"user_id"}, {"user_id"}, True),
    ("bare_eq", {"user_id"}, {"user_id"}, True),
    ("in_members", {"org_id"}, {"org_id"}, True),
    ("exists_corr", {"org_id"}, {"org_id"}, True),
    ("any_array", {"org_id"}, {"org_id"}, True),
    ("helper", {"org_id"}, {"org_id"}, True),
    ("setting", {"user_id"}, {"user_id"}, True),
    ("cast_compare", {"id"}, {"id"}, True),
    ("owner_and_status", {"user_id", "status"}, {"user_id"}, True),
    ("owner_or_public", {"user_id", "status"}, {"user_id"}, False),
    ("row_only", {"status", "tags", "meta"}, set(), False),
    ("role_only", set(), set(), False),
    ("not_null", set(), set(), False),
    ("uncorrelated", set(), set(), False),
    ("wrapped_jwt", set(), set(), False),
    ("case_expr", {"status"}, set(), False),
])
def test_columns_and_caller(texts, name, columns, caller_columns, scoped) -> None:  # type: ignore[no-untyped-def]
    f = facts(texts, name)
    assert f.columns == frozenset(columns)
    assert f.row_dependent == bool(columns)
    assert f.caller_columns == frozenset(caller_columns)
    assert f.caller_scoped is scoped


def test_membership_columns_of_other_tables(texts) -> None:  # type: ignore[no-untyped-def]
    assert facts(texts, "in_members").other_caller_columns == {("public.members", "user_id")}
    assert facts(texts, "exists_corr").other_caller_columns == {("public.members", "user_id")}


@pytest.mark.parametrize("name,calls", [
    ("bare_eq", ("auth.uid()",)),
    ("role_only", ("auth.role()",)),
    ("setting", ("current_setting()",)),
    ("cast_compare", ("auth.jwt()",)),
    ("metadata", ("auth.jwt()",)),
    ("exists_corr_bare", ("auth.uid()",)),  # correlated: runs per outer row
    ("wrapped_eq", ()),
    ("wrapped_jwt", ()),
    ("in_members", ()),  # uncorrelated subquery: evaluated once
    ("exists_corr", ()),
])
def test_unwrapped_auth_calls(texts, name, calls) -> None:  # type: ignore[no-untyped-def]
    assert facts(texts, name).unwrapped_calls == calls


def test_literal_true_forms(texts) -> None:  # type: ignore[no-untyped-def]
    assert facts(texts, "literal_true", 0).always_true
    assert facts(texts, "literal_true", 1).always_true
    assert facts(texts, "or_true").always_true
    assert not facts(texts, "wrapped_eq").always_true
    assert not facts(texts, "case_expr").always_true
    assert is_literally_true("(1 = 1)") and not is_literally_true("(1 = 2)")


def test_user_metadata(texts) -> None:  # type: ignore[no-untyped-def]
    assert facts(texts, "metadata").user_metadata
    assert facts(texts, "raw_meta").user_metadata
    assert not facts(texts, "wrapped_jwt").user_metadata


def test_check_only_policy(texts) -> None:  # type: ignore[no-untyped-def]
    assert texts["check_only"][0] is None
    f = facts(texts, "check_only", 1)
    assert f.caller_scoped and f.caller_columns == {"user_id"}
    assert analyze(None, "t").text is None


def test_unparseable_text_falls_back_conservatively() -> None:
    f = analyze("xmlexists('//a' PASSING BY REF x) AND (auth.uid() = user_id)", "t")
    assert not f.parsed
    assert f.row_dependent and not f.caller_scoped and not f.always_true
    assert f.unwrapped_calls == ("auth.uid()",)
    g = analyze("xmlexists('//a' PASSING BY REF x) AND (( SELECT auth.uid() AS uid) = x)", "t")
    assert g.unwrapped_calls == ()


def test_cache_shares_texts_that_do_not_name_the_table() -> None:
    an = PolicyAnalyzer()
    a = an("(( SELECT auth.uid() AS uid) = user_id)", "a")
    assert an("(( SELECT auth.uid() AS uid) = user_id)", "b") is a
    corr = "(EXISTS ( SELECT 1 FROM public.m m WHERE (m.org_id = a.org_id)))"
    assert an(corr, "a").columns == {"org_id"}
    assert an(corr, "b").columns == frozenset()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_never_raises(text: str) -> None:
    f = analyze(text, "t")
    assert f.text == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["(", ")", "SELECT", "auth.uid()", "=", "user_id", "AND", "OR",
                                 "true", "EXISTS", "IN", "'a'::text", "::", "t.x", "FROM",
                                 "public.m", "ANY", "ARRAY[", "]", ",", "NOT"]), max_size=20))
def test_never_raises_on_sql_like_tokens(tokens: list[str]) -> None:
    analyze(" ".join(tokens), "t")


def test_same_policy_on_many_tables_is_analysed_once() -> None:
    an = PolicyAnalyzer()
    texts = [f"(EXISTS ( SELECT 1 FROM public.members m WHERE ((m.org_id = t{i}.org_id) "
             "AND (m.user_id = ( SELECT auth.uid() AS uid)))))" for i in range(5)]
    got = [an(text, f"t{i}") for i, text in enumerate(texts)]
    assert len(an._cache) == 1
    assert [f.text for f in got] == texts
    assert all(f.caller_columns == {"org_id"} and f.caller_scoped for f in got)
    # a subquery over the table itself is left as written
    own = "(EXISTS ( SELECT 1 FROM public.t WHERE (t.a = 1)))"
    assert an(own, "t").columns == frozenset()


LITERAL_TEXTS = [
    "(category = 'books'::text)",
    "((status = 'published'::text) OR (user_id = ( SELECT auth.uid() AS uid)))",
    "(EXISTS ( SELECT 1\n   FROM public.members m\n  WHERE ((m.org_id = t.org_id) AND "
    "(m.role = 'admin'::text))))",
    "((( SELECT auth.jwt() AS jwt) -> 'app_metadata'::text) ->> 'role'::text) = 'admin'::text",
    "((( SELECT auth.jwt() AS jwt) -> 'user_metadata'::text) ->> 'team'::text) = 'a'::text",
    "(('a'::text = 'a'::text) OR ('a' = 'a') OR ('a' = 'b'))",
    "((status = ANY (ARRAY['draft'::text, 'live'::text])) AND (\"It's\" = 'x'::text))",
    "(t.status = 'draft'::text) AND (EXISTS ( SELECT 1 FROM public.members m WHERE "
    "(m.role = 'draft'::text) AND (m.org_id = t.org_id)))",
]


@pytest.mark.parametrize("text", LITERAL_TEXTS)
def test_texts_that_differ_in_literals_are_analysed_once_with_the_same_answers(text: str) -> None:
    """Identifier-like literals are analysed once per shape; every answer, the literals and the
    related terms' SQL included, is the direct analysis of the text."""
    an = PolicyAnalyzer(["public.is_member"])
    other = text.replace("'a'", "'c'").replace("draft", "other").replace("admin", "owner") \
        .replace("books", "music").replace("published", "hidden")
    assert an(text, "t") == analyze(text, "t", ["public.is_member"])
    assert an(other, "t") == analyze(other, "t", ["public.is_member"])
    assert an(text, "u") == analyze(text, "u", ["public.is_member"])  # shared on another table too
    assert len(an._shapes) <= 2


def test_literals_that_matter_are_kept() -> None:
    from toolkit.sql.policy_expr import literal_shape

    assert literal_shape("(a = 'x y'::text)") is None  # not identifier-like
    assert literal_shape("(current_setting('request.jwt.claims'::text, true) = 'x'::text)") is None
    assert literal_shape("(created_at > (now() - '1 day'::interval))") is None
    assert literal_shape("(a = E'x')") is None
    shape = literal_shape("((a = 'x'::text) AND (b = 'x'::text) AND (c = 'y'::text))")
    assert shape == ("((a = 'supakit_lit0'::text) AND (b = 'supakit_lit0'::text) AND "
                     "(c = 'supakit_lit1'::text))", {"'supakit_lit0'": "'x'", "'supakit_lit1'": "'y'"})
