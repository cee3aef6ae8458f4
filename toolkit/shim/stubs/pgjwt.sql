-- supakit stub: pgjwt
-- version: 0.2.0
-- relocatable: false
-- supports: sign(payload json, secret text, algorithm text default 'HS256') and verify(token, secret, algorithm) returning (header, payload, valid) for HS256, HS384 and HS512, plus url_encode, url_decode, algorithm_sign and try_cast_double; real signatures through pgcrypto's hmac (pgcrypto must be installed, as pgjwt requires).
-- lacks: nothing that migrations use; verify does not check exp or nbf claims (neither does pgjwt).

do $jwt$
declare
    crypto text := (select quote_ident(n.nspname) from pg_extension e
                      join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pgcrypto');
begin
    if crypto is null then
        raise exception 'required extension "pgcrypto" is not installed'
            using errcode = '42704', hint = 'Use CREATE EXTENSION ... CASCADE to install required extensions too.';
    end if;

    create function @extschema@.url_encode(data bytea) returns text
    language sql immutable
    as $f$ select translate(rtrim(encode(data, 'base64'), '='), E'+/\n', '-_') $f$;

    create function @extschema@.url_decode(data text) returns bytea
    language sql immutable
    as $f$
        select decode(padded || repeat('=', (4 - length(padded) % 4) % 4), 'base64')
          from (select translate(data, '-_', '+/') as padded) p
    $f$;

    execute format($f$
        create function @extschema@.algorithm_sign(signables text, secret text, algorithm text) returns text
        language sql immutable
        as $b$
            select @extschema@.url_encode(%s.hmac(signables, secret,
                       case algorithm when 'HS256' then 'sha256' when 'HS384' then 'sha384'
                                      when 'HS512' then 'sha512' end))
        $b$
    $f$, crypto);

    create function @extschema@.sign(payload json, secret text, algorithm text default 'HS256') returns text
    language sql immutable
    as $f$
        select signables || '.' || @extschema@.algorithm_sign(signables, secret, algorithm)
          from (select @extschema@.url_encode(convert_to(json_build_object('alg', algorithm, 'typ', 'JWT')::text, 'utf8'))
                       || '.' || @extschema@.url_encode(convert_to(payload::text, 'utf8')) as signables) s
    $f$;

    create function @extschema@.try_cast_double(inp text) returns double precision
    language plpgsql immutable
    as $f$
    begin
        return inp::double precision;
    exception when others then
        return null;
    end
    $f$;

    create function @extschema@.verify(token text, secret text, algorithm text default 'HS256')
    returns table (header json, payload json, valid boolean)
    language sql immutable
    as $f$
        select convert_from(@extschema@.url_decode(part[1]), 'utf8')::json,
               convert_from(@extschema@.url_decode(part[2]), 'utf8')::json,
               part[3] = @extschema@.algorithm_sign(part[1] || '.' || part[2], secret, algorithm)
          from (select string_to_array(token, '.') as part) t
    $f$;
end
$jwt$;
