"""Row synthesis on awkward tables: what can be filled is, what cannot is skipped with a reason
that says why, and rows the schema's own triggers make are reused."""

from __future__ import annotations

from tests.probe.conftest import by_rule

OWNED = """
create table public.{name} (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id),
  {extra}
);
alter table public.{name} enable row level security;
create policy {name}_own on public.{name} for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
"""


def owned(name: str, extra: str) -> str:
    return OWNED.format(name=name, extra=extra)


def test_a_not_null_self_reference_on_an_always_identity_key(probe_sql):
    sql = owned("nodes", "parent_id bigint not null references public.nodes (id)")
    result = probe_sql(sql)
    assert result.summary["tables_probed"] == 1 and result.findings == []
    row = result.tables[0].filled.rows["A"].values
    assert row["parent_id"] == row["id"]


def test_a_table_whose_parent_cannot_be_filled_is_skipped_with_the_reason(probe_sql):
    sql = owned("ledgers", "name text not null") + """
create function public.no_rows() returns trigger language plpgsql as $$
begin
  raise exception 'ledgers are created by the billing service';
end
$$;
create trigger no_rows before insert on public.ledgers for each row execute function public.no_rows();
""" + owned("entries", "ledger_id bigint not null references public.ledgers (id)")
    result = probe_sql(sql)
    reasons = {f.object.name: f.evidence["reason"] for f in by_rule(result, "probe_skipped")}
    assert reasons == {
        "ledgers": "could not insert a row: ledgers are created by the billing service",
        "entries": "needs a row in public.ledgers (could not insert a row: ledgers are created by "
                   "the billing service)",
    }
    assert result.summary["tables_probed"] == 0 and result.summary["tables_skipped"] == 2
    assert {f.level.value for f in result.findings} == {"info"}


def test_a_value_the_probe_cannot_make_is_named(probe_sql):
    sql = "create type public.money_amount as (currency text, cents bigint);\n" + owned(
        "payments", "amount public.money_amount not null")
    result = probe_sql(sql)
    (skipped,) = by_rule(result, "probe_skipped")
    assert skipped.evidence["reason"] == (
        "no value for NOT NULL column amount of type public.money_amount")


def test_checks_across_columns_and_on_domains_are_satisfied(probe_sql):
    sql = """
create domain public.percent as numeric(5, 2) check (value between 0 and 100);
create type public.size as enum ('small', 'large');
""" + owned("offers", """starts_at timestamptz not null,
  ends_at timestamptz not null,
  discount public.percent not null,
  size public.size not null,
  code varchar(6) not null unique check (code ~ '^[A-Z]{6}$'),
  tags text[] not null check (cardinality(tags) between 1 and 3),
  contact text check (contact is null or contact like '%@%'),
  check (ends_at > starts_at + interval '30 minutes')""")
    result = probe_sql(sql)
    assert result.summary["tables_probed"] == 1, [f.message for f in result.findings]
    a, b = (result.tables[0].filled.rows[k].values for k in ("A", "B"))
    assert a["code"] != b["code"] and len(a["code"]) == 6
    assert a["tags"] != "{}" and a["contact"] is None


def test_the_skip_setting_leaves_a_table_out(probe_sql):
    result = probe_sql(owned("notes", "body text not null"),
                       settings={"probe": {"skip": ["public.notes"]}})
    (skipped,) = by_rule(result, "probe_skipped")
    assert skipped.evidence["reason"] == "listed in [tool.supakit.probe] skip"
    assert result.summary == {**result.summary, "tables_exposed": 1, "tables_probed": 0}


def test_the_probe_can_be_disabled_in_settings(probe_sql):
    result = probe_sql(owned("notes", "body text not null"), settings={"probe": {"enabled": False}})
    assert result.findings == [] and result.summary["disabled"] is True
