-- supakit stub: http
-- version: 1.6
-- relocatable: false
-- supports: the types http_method, http_header, http_request and http_response; http(), http_get, http_post, http_put, http_patch, http_delete, http_head, http_header, urlencode, bytea_to_text, text_to_bytea, http_set_curlopt, http_reset_curlopt and http_list_curlopt with pgsql-http's signatures (so a dump's GRANT ... ON FUNCTION lines apply).
-- lacks: no request leaves the machine: every call answers status 200, content type application/json, body '{}' and an x-supakit-stub header.

create domain @extschema@.http_method as text
    check (value ilike any (array['get', 'post', 'put', 'delete', 'patch', 'head']));
create type @extschema@.http_header as (field varchar, value varchar);
create type @extschema@.http_request as (
    method @extschema@.http_method, uri varchar, headers @extschema@.http_header[],
    content_type varchar, content varchar
);
create type @extschema@.http_response as (
    status integer, content_type varchar, headers @extschema@.http_header[], content varchar
);

create function @extschema@.urlencode(string varchar) returns text
language sql immutable strict
as $$
    select string_agg(case when c ~ '[A-Za-z0-9._~-]' then c
                           else upper(regexp_replace(encode(convert_to(c, 'utf8'), 'hex'), '(..)', '%\1', 'g')) end,
                      '' order by i)
      from regexp_split_to_table(string, '') with ordinality t(c, i)
$$;

create function @extschema@.urlencode(string bytea) returns text
language sql immutable strict
as $$ select @extschema@.urlencode(encode(string, 'escape')::varchar) $$;

create function @extschema@.urlencode(data jsonb) returns text
language sql immutable strict
as $$
    select string_agg(@extschema@.urlencode(key::varchar) || '=' || @extschema@.urlencode(value::varchar), '&')
      from jsonb_each_text(data)
$$;

create function @extschema@.http_header(field varchar, value varchar) returns @extschema@.http_header
language sql immutable
as $$ select row(field, value)::@extschema@.http_header $$;

create function @extschema@.http(request @extschema@.http_request) returns @extschema@.http_response
language plpgsql volatile
as $$
begin
    if request.uri is null or request.uri !~* '^https?://' then
        raise exception 'invalid uri "%"', request.uri using errcode = '22023';
    end if;
    return row(200, 'application/json',
               array[row('x-supakit-stub', 'no request was sent')::@extschema@.http_header],
               '{}')::@extschema@.http_response;
end
$$;

create function @extschema@.http_get(uri varchar) returns @extschema@.http_response
language sql volatile
as $$ select @extschema@.http(row('GET', uri, null, null, null)::@extschema@.http_request) $$;

create function @extschema@.http_get(uri varchar, data jsonb) returns @extschema@.http_response
language sql volatile
as $$
    select @extschema@.http(row('GET', uri || '?' || @extschema@.urlencode(data), null, null, null)::@extschema@.http_request)
$$;

create function @extschema@.http_post(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
language sql volatile
as $$ select @extschema@.http(row('POST', uri, null, content_type, content)::@extschema@.http_request) $$;

create function @extschema@.http_post(uri varchar, data jsonb) returns @extschema@.http_response
language sql volatile
as $$
    select @extschema@.http(row('POST', uri, null, 'application/x-www-form-urlencoded',
                                @extschema@.urlencode(data))::@extschema@.http_request)
$$;

create function @extschema@.http_put(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
language sql volatile
as $$ select @extschema@.http(row('PUT', uri, null, content_type, content)::@extschema@.http_request) $$;

create function @extschema@.http_patch(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
language sql volatile
as $$ select @extschema@.http(row('PATCH', uri, null, content_type, content)::@extschema@.http_request) $$;

create function @extschema@.http_delete(uri varchar) returns @extschema@.http_response
language sql volatile
as $$ select @extschema@.http(row('DELETE', uri, null, null, null)::@extschema@.http_request) $$;

create function @extschema@.http_delete(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
language sql volatile
as $$ select @extschema@.http(row('DELETE', uri, null, content_type, content)::@extschema@.http_request) $$;

create function @extschema@.http_head(uri varchar) returns @extschema@.http_response
language sql volatile
as $$ select @extschema@.http(row('HEAD', uri, null, null, null)::@extschema@.http_request) $$;

create function @extschema@.bytea_to_text(data bytea) returns text
language sql immutable strict
as $$ select convert_from(data, 'utf8') $$;

create function @extschema@.text_to_bytea(data text) returns bytea
language sql immutable strict
as $$ select convert_to(data, 'utf8') $$;

create function @extschema@.http_set_curlopt(curlopt varchar, value varchar) returns boolean
language sql volatile
as $$ select true $$;

create function @extschema@.http_reset_curlopt() returns boolean
language sql volatile
as $$ select true $$;

create function @extschema@.http_list_curlopt() returns table (curlopt text, value text)
language sql volatile
as $$ select null::text, null::text where false $$;
