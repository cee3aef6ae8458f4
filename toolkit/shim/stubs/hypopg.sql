-- supakit stub: hypopg
-- version: 1.4.1
-- relocatable: true
-- supports: hypopg_create_index, hypopg_reset, hypopg_drop_index, hypopg_relation_size, hypopg_get_indexdef, hypopg_hide_index, hypopg_unhide_index, hypopg_unhide_all_indexes, hypopg_hidden_indexes() and the hypopg_list_indexes and hypopg_hidden_indexes views, so index_advisor and dumps that grant on them apply.
-- lacks: no hypothetical index is ever created: hypopg_create_index returns no row and the planner never sees one.
--
-- Used only when the server has no hypopg package (Debian ships postgresql-15-hypopg).

create function @extschema@.hypopg(out indexname text, out indexrelid oid, out indrelid oid, out innatts integer,
                                   out indisunique boolean, out indkey int2vector, out indcollation oidvector,
                                   out indclass oidvector, out indoption oidvector, out indexprs pg_node_tree,
                                   out indpred pg_node_tree, out amid oid)
returns setof record
language sql volatile
as $$ select null::text, null::oid, null::oid, null::integer, null::boolean, null::int2vector, null::oidvector,
             null::oidvector, null::oidvector, null::pg_node_tree, null::pg_node_tree, null::oid where false $$;

create function @extschema@.hypopg_create_index(sql_order text, out indexrelid oid, out indexname text)
returns setof record
language sql volatile strict
as $$ select null::oid, null::text where false $$;

create function @extschema@.hypopg_drop_index(indexid oid) returns boolean
language sql volatile strict as $$ select false $$;

create function @extschema@.hypopg_reset() returns void
language sql volatile as $$ select $$;

create function @extschema@.hypopg_reset_index() returns void
language sql volatile as $$ select $$;

create function @extschema@.hypopg_relation_size(indexid oid) returns bigint
language sql volatile strict as $$ select 0::bigint $$;

create function @extschema@.hypopg_get_indexdef(indexid oid) returns text
language sql volatile strict as $$ select null::text $$;

create function @extschema@.hypopg_hide_index(indexid oid) returns boolean
language sql volatile strict as $$ select false $$;

create function @extschema@.hypopg_unhide_index(indexid oid) returns boolean
language sql volatile strict as $$ select false $$;

create function @extschema@.hypopg_unhide_all_indexes() returns void
language sql volatile as $$ select $$;

create function @extschema@.hypopg_hidden_indexes() returns table (indexid oid)
language sql volatile as $$ select null::oid where false $$;

create view @extschema@.hypopg_list_indexes as
select null::oid as indexrelid, null::text as index_name, null::name as schema_name,
       null::name as table_name, null::name as am_name
 where false;

create view @extschema@.hypopg_hidden_indexes as
select null::oid as indexrelid, null::name as index_name, null::name as schema_name,
       null::name as table_name, null::name as am_name, null::boolean as is_hypo
 where false;
