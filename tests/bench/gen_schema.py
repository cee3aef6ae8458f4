"""Generate a large, Supabase-shaped schema for benchmarks: N tables, about 4 policies each.

The mix mirrors real projects: owner-scoped tables (user_id → auth.users), tenant tables
reached through a membership table, public-read catalogues, and a share of per-table
predicates so the policy texts are not all identical.
"""

from __future__ import annotations

import random


def _owner_table(name: str, i: int, rnd: random.Random) -> list[str]:
    uid = "(select auth.uid())" if rnd.random() < 0.8 else "auth.uid()"
    out = [
        f"create table public.{name} (id bigint generated always as identity primary key, "
        f"user_id uuid not null references auth.users (id) on delete cascade, title text, "
        f"status text not null default 'draft', email text, created_at timestamptz default now());",
        f"alter table public.{name} enable row level security;",
        f"create policy {name}_select on public.{name} for select to authenticated "
        f"using (user_id = {uid} or status = 'published_{i % 50}');",
        f"create policy {name}_insert on public.{name} for insert to authenticated "
        f"with check (user_id = {uid});",
        f"create policy {name}_update on public.{name} for update to authenticated "
        f"using (user_id = {uid}) with check (user_id = {uid});",
        f"create policy {name}_delete on public.{name} for delete to authenticated "
        f"using (user_id = {uid});",
    ]
    if rnd.random() < 0.5:
        out.append(f"create index {name}_user_id_idx on public.{name} (user_id);")
    return out


def _tenant_table(name: str, i: int, rnd: random.Random) -> list[str]:
    member = ("org_id in (select m.org_id from public.memberships m "
              "where m.user_id = (select auth.uid()))")
    corr = (f"exists (select 1 from public.memberships m where m.org_id = {name}.org_id "
            f"and m.user_id = (select auth.uid()) and m.role = 'admin_{i % 7}')")
    return [
        f"create table public.{name} (id uuid primary key default gen_random_uuid(), "
        f"org_id uuid not null references public.orgs (id), body text, amount numeric, "
        f"created_by uuid references auth.users (id));",
        f"alter table public.{name} enable row level security;",
        f"create policy {name}_read on public.{name} for select to authenticated using ({member});",
        f"create policy {name}_write on public.{name} for insert to authenticated with check ({corr});",
        f"create policy {name}_change on public.{name} for update to authenticated using ({corr});",
        f"create policy {name}_remove on public.{name} for delete to authenticated using ({corr});",
    ] + ([f"create index {name}_org_idx on public.{name} (org_id);"] if rnd.random() < 0.6 else [])


def _catalogue_table(name: str, i: int, rnd: random.Random) -> list[str]:
    return [
        f"create table public.{name} (id serial primary key, sku text unique, price numeric, "
        f"category text, visible boolean default true);",
        f"alter table public.{name} enable row level security;",
        f"create policy {name}_public on public.{name} for select to anon, authenticated using (visible);",
        f"create policy {name}_staff on public.{name} for all to authenticated "
        f"using ((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'staff_{i % 11}');",
        f"create policy {name}_cat on public.{name} for select to authenticated "
        f"using (category = 'cat_{i}');",
        f"create policy {name}_hidden on public.{name} as restrictive for select to anon "
        f"using (price > {i % 13});",
    ]


def _function(name: str, i: int) -> list[str]:
    """One RPC per table, as real projects mix them: definer getters, some of which forget the
    caller, definer writers that check it, invoker functions."""
    kind = i % 10
    if kind < 5 and i % 4 == 1:  # owner table: a definer writer that checks the caller
        return [f"create function public.archive_{name}({name}_id bigint) returns void "
                f"language sql security definer set search_path = '' as $$ "
                f"update public.{name} set status = 'archived' where id = {name}_id "
                f"and user_id = (select auth.uid()) $$;"]
    if kind < 5:  # owner table: definer getter, a third of them without a caller check
        check = "" if i % 4 == 0 else " and user_id = (select auth.uid())"
        return [f"create function public.get_{name}({name}_id bigint) returns setof public.{name} "
                f"language sql stable security definer set search_path = '' as $$ "
                f"select * from public.{name} where id = {name}_id{check} $$;"]
    if kind < 8:  # tenant table: an invoker function, so RLS applies
        return [f"create function public.{name}_total(org_id uuid) returns numeric "
                f"language sql stable set search_path = '' as $$ "
                f"select sum(amount) from public.{name} where {name}.org_id = {name}_total.org_id $$;"]
    return [f"create function public.{name}_price(sku text) returns numeric "  # catalogue lookup
            f"language sql stable set search_path = '' as $$ "
            f"select price from public.{name} where {name}.sku = {name}_price.sku $$;"]


def generate_schema(tables: int = 1000, seed: int = 0, *, functions: bool = False) -> str:
    """SQL for `tables` user tables with four policies each (plus two helper tables), and with
    `functions` one RPC function per table."""
    rnd = random.Random(seed)
    out = [
        "create table public.orgs (id uuid primary key default gen_random_uuid(), name text);",
        "alter table public.orgs enable row level security;",
        "create table public.memberships (org_id uuid references public.orgs (id), "
        "user_id uuid references auth.users (id), role text, primary key (org_id, user_id));",
        "alter table public.memberships enable row level security;",
        "create policy memberships_self on public.memberships for select to authenticated "
        "using (user_id = (select auth.uid()));",
        "create policy orgs_members on public.orgs for select to authenticated using "
        "(id in (select m.org_id from public.memberships m where m.user_id = (select auth.uid())));",
    ]
    makers = (_owner_table, _tenant_table, _catalogue_table)
    for i in range(tables):
        maker = makers[0] if i % 10 < 5 else makers[1] if i % 10 < 8 else makers[2]
        out += maker(f"t{i:05d}", i, rnd)
        if functions:
            out += _function(f"t{i:05d}", i)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    print(generate_schema(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
