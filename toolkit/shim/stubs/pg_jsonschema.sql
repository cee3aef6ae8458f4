-- supakit stub: pg_jsonschema
-- version: 0.3.3
-- relocatable: false
-- supports: json_matches_schema, jsonb_matches_schema, jsonschema_is_valid and jsonschema_validation_errors with pg_jsonschema's signatures, so CHECK constraints that call them apply.
-- lacks: no validation: every document matches every schema and no error is ever returned.

create function @extschema@.json_matches_schema(schema json, instance json) returns boolean
language sql immutable strict parallel safe as $$ select true $$;

create function @extschema@.jsonb_matches_schema(schema json, instance jsonb) returns boolean
language sql immutable strict parallel safe as $$ select true $$;

create function @extschema@.jsonschema_is_valid(schema json) returns boolean
language sql immutable strict parallel safe as $$ select true $$;

create function @extschema@.jsonschema_validation_errors(schema json, instance json) returns text[]
language sql immutable strict parallel safe as $$ select '{}'::text[] $$;
