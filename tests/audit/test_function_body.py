"""Function bodies read through libpg_query: tables, calls and caller checks."""

from __future__ import annotations

from toolkit.sql.function_body import body_facts


def _def(body: str, language: str = "plpgsql", atomic: bool = False) -> str:
    head = f"CREATE OR REPLACE FUNCTION public.f(order_id uuid)\n RETURNS SETOF record\n LANGUAGE {language}\n"
    return head + (body if atomic else f"AS $function$\n{body}\n$function$\n")


def test_plpgsql_statements_expressions_and_assignments() -> None:
    facts = body_facts(_def("""
    declare n int;
    begin
      n := (select count(*) from public.items);
      if auth.uid() is null then raise exception 'sign in'; end if;
      return query select * from public.orders o where o.id = order_id;
      update public.orders set note = 'x' where id = order_id;
      with gone as (select 1) delete from private.audit using gone;
      select p.name into n from public.profiles p
        where p.id = (current_setting('request.jwt.claims', true)::json ->> 'sub')::uuid;
    end"""), "plpgsql")
    assert facts.parsed and not facts.dynamic
    assert facts.reads == {"public.items", "public.orders", "public.profiles"}
    assert facts.writes == {"public.orders", "private.audit"}
    assert facts.caller_checks == ("auth.uid()", "current_setting('request.jwt.claims')")


def test_execute_is_dynamic_and_current_user_is_a_caller_check() -> None:
    facts = body_facts(_def("""
    begin
      if current_user <> 'authenticated' then return; end if;
      execute format('delete from %I', 'orders');
    end"""), "plpgsql")
    assert facts.dynamic and facts.caller_checks == ("current_user",) and not facts.writes


def test_sql_bodies_quoted_and_atomic() -> None:
    quoted = body_facts(_def("with x as (select * from orders) select count(*) from x "
                             "join auth.users u on true; truncate public.t", "sql"), "sql")
    assert quoted.reads == {"orders", "auth.users"} and quoted.writes == {"public.t"}
    assert quoted.calls == {"count"} and quoted.caller_checks == ()
    atomic = body_facts(_def("BEGIN ATOMIC\n SELECT o.id FROM public.orders o\n"
                             "  WHERE o.user_id = auth.uid();\nEND\n", "sql", atomic=True), "sql")
    assert atomic.reads == {"public.orders"} and atomic.caller_checks == ("auth.uid()",)


def test_what_cannot_be_read_says_so() -> None:
    assert not body_facts("create function broken(", "sql").parsed
    assert not body_facts(_def("return 1;", "plv8"), "plv8").parsed
    assert not body_facts(None, "sql").parsed
