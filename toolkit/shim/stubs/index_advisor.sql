-- supakit stub: index_advisor
-- version: 0.2.0
-- relocatable: true
-- supports: index_advisor(query text) with its result columns, so the extension and grants on it apply.
-- lacks: no advice: every call answers one row whose errors column says the advisor is a stub.

create function @extschema@.index_advisor(query text)
returns table (startup_cost_before jsonb, startup_cost_after jsonb, total_cost_before jsonb,
               total_cost_after jsonb, index_statements text[], errors text[])
language sql volatile
as $$
    select null::jsonb, null::jsonb, null::jsonb, null::jsonb, '{}'::text[],
           array['index_advisor is a supakit stub in this database: no advice is computed']
$$;
