-- supakit stub: vector
-- version: 0.8.0
-- relocatable: true
-- supports: types vector(n), halfvec(n) and sparsevec(n) with their text formats and dimension checks; the operators <-> <#> <=> <+> (and <~> <%> on bit) computed in SQL; casts to and from real[], double precision[], integer[], numeric[] and between the three types; l2_distance, inner_product, cosine_distance, l1_distance, vector_dims, vector_norm, l2_normalize, binary_quantize, subvector, + - *, avg and sum; the index methods hnsw and ivfflat with every vector_*/halfvec_*/sparsevec_*/bit_* operator class, WITH (m, ef_construction, lists) accepted.
-- lacks: approximate search: an hnsw or ivfflat index is a plain hash index underneath and never speeds up ORDER BY embedding <=> ...; its WITH options are dropped; no btree ordering of vectors; distances are computed in SQL, far slower than pgvector.
--
-- Values are stored as their text, so the types reuse built-in I/O: vector and halfvec read and
-- write JSON arrays ('[1,2,3]'), sparsevec keeps its '{1:0.5,3:2}/5' text. Function bodies name
-- no schema, so ALTER EXTENSION vector SET SCHEMA keeps them working.

create type @extschema@.vector;
create function @extschema@.vector_in(cstring, oid, integer) returns @extschema@.vector
    language internal immutable strict parallel safe as 'json_in';
create function @extschema@.vector_out(@extschema@.vector) returns cstring
    language internal immutable strict parallel safe as 'json_out';
create function @extschema@.vector_recv(internal, oid, integer) returns @extschema@.vector
    language internal immutable strict parallel safe as 'json_recv';
create function @extschema@.vector_send(@extschema@.vector) returns bytea
    language internal immutable strict parallel safe as 'json_send';
create function @extschema@.vector_typmod_in(cstring[]) returns integer
    language internal immutable strict parallel safe as 'bittypmodin';
create function @extschema@.vector_typmod_out(integer) returns cstring
    language internal immutable strict parallel safe as 'bittypmodout';
create type @extschema@.vector (
    input = @extschema@.vector_in, output = @extschema@.vector_out,
    receive = @extschema@.vector_recv, send = @extschema@.vector_send,
    typmod_in = @extschema@.vector_typmod_in, typmod_out = @extschema@.vector_typmod_out,
    internallength = variable, storage = extended, alignment = int4
);

create type @extschema@.halfvec;
create function @extschema@.halfvec_in(cstring, oid, integer) returns @extschema@.halfvec
    language internal immutable strict parallel safe as 'json_in';
create function @extschema@.halfvec_out(@extschema@.halfvec) returns cstring
    language internal immutable strict parallel safe as 'json_out';
create function @extschema@.halfvec_recv(internal, oid, integer) returns @extschema@.halfvec
    language internal immutable strict parallel safe as 'json_recv';
create function @extschema@.halfvec_send(@extschema@.halfvec) returns bytea
    language internal immutable strict parallel safe as 'json_send';
create function @extschema@.halfvec_typmod_in(cstring[]) returns integer
    language internal immutable strict parallel safe as 'bittypmodin';
create type @extschema@.halfvec (
    input = @extschema@.halfvec_in, output = @extschema@.halfvec_out,
    receive = @extschema@.halfvec_recv, send = @extschema@.halfvec_send,
    typmod_in = @extschema@.halfvec_typmod_in, typmod_out = @extschema@.vector_typmod_out,
    internallength = variable, storage = extended, alignment = int4
);

create type @extschema@.sparsevec;
create function @extschema@.sparsevec_in(cstring, oid, integer) returns @extschema@.sparsevec
    language internal immutable strict parallel safe as 'textin';
create function @extschema@.sparsevec_out(@extschema@.sparsevec) returns cstring
    language internal immutable strict parallel safe as 'textout';
create function @extschema@.sparsevec_typmod_in(cstring[]) returns integer
    language internal immutable strict parallel safe as 'bittypmodin';
create type @extschema@.sparsevec (
    input = @extschema@.sparsevec_in, output = @extschema@.sparsevec_out,
    typmod_in = @extschema@.sparsevec_typmod_in, typmod_out = @extschema@.vector_typmod_out,
    internallength = variable, storage = extended, alignment = int4
);

-- Everything that computes is generated per type from one template. `dense` turns the argument
-- into float8[]; functions returning a vector type return text, which PL/pgSQL converts
-- through the type's input function, so no body names a schema.
do $gen$
declare
    kinds constant text[][] := array[
        ['vector',    $d$array(select e::float8 from json_array_elements_text(%1$s::text::json) e)$d$],
        ['halfvec',   $d$array(select e::float8 from json_array_elements_text(%1$s::text::json) e)$d$],
        ['sparsevec', $d$(select coalesce(array_agg(coalesce(m.v, 0) order by g.i), '{}')
                          from generate_series(1, split_part(%1$s::text, '/', 2)::int) g(i)
                          left join (select r[1]::int as i, r[2]::float8 as v
                                       from regexp_matches(split_part(%1$s::text, '/', 1),
                                                           '(\d+)\s*:\s*([^,}\s]+)', 'g') r) m
                            on m.i = g.i)$d$]];
    t text;
    dense text;
    s constant text := '@extschema@';
    pair constant text := $p$
        declare
            x float8[] := %2$s;
            y float8[] := %3$s;
        begin
            if cardinality(x) <> cardinality(y) then
                raise exception 'different %1$s dimensions %% and %%', cardinality(x), cardinality(y)
                    using errcode = '22000';
            end if;
            return (select %4$s from unnest(x, y) with ordinality u(a, b, ord));
        end
    $p$;
begin
    for k in 1 .. array_length(kinds, 1) loop
        t := kinds[k][1];
        dense := kinds[k][2];

        -- Dimension check for vector(n): the length-coercion cast pgvector also has.
        execute format($f$
            create function %1$s.%2$s(v %1$s.%2$s, n integer, explicit boolean) returns %1$s.%2$s
            language plpgsql immutable strict parallel safe as $b$
            declare d integer := cardinality(%3$s);
            begin
                if n > 0 and d <> n then
                    raise exception 'expected %% dimensions, not %%', n, d using errcode = '22000';
                end if;
                return v;
            end $b$;
            create cast (%1$s.%2$s as %1$s.%2$s) with function %1$s.%2$s(%1$s.%2$s, integer, boolean) as implicit;
        $f$, s, t, format(dense, 'v'));

        execute format($f$
            create function %1$s.l2_distance(%1$s.%2$s, %1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %3$L;
            create function %1$s.%2$s_l2_squared_distance(%1$s.%2$s, %1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %4$L;
            create function %1$s.inner_product(%1$s.%2$s, %1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %5$L;
            create function %1$s.%2$s_negative_inner_product(%1$s.%2$s, %1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %6$L;
            create function %1$s.cosine_distance(%1$s.%2$s, %1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %7$L;
            create function %1$s.l1_distance(%1$s.%2$s, %1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %8$L;
            create operator %1$s.<-> (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s,
                function = %1$s.l2_distance, commutator = operator(%1$s.<->));
            create operator %1$s.<#> (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s,
                function = %1$s.%2$s_negative_inner_product, commutator = operator(%1$s.<#>));
            create operator %1$s.<=> (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s,
                function = %1$s.cosine_distance, commutator = operator(%1$s.<=>));
            create operator %1$s.<+> (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s,
                function = %1$s.l1_distance, commutator = operator(%1$s.<+>));
        $f$, s, t,
            format(pair, t, format(dense, '$1'), format(dense, '$2'), 'sqrt(coalesce(sum((a - b) ^ 2), 0))'),
            format(pair, t, format(dense, '$1'), format(dense, '$2'), 'coalesce(sum((a - b) ^ 2), 0)'),
            format(pair, t, format(dense, '$1'), format(dense, '$2'), 'coalesce(sum(a * b), 0)'),
            format(pair, t, format(dense, '$1'), format(dense, '$2'), '-coalesce(sum(a * b), 0)'),
            format(pair, t, format(dense, '$1'), format(dense, '$2'),
                   '1 - sum(a * b) / nullif(sqrt(sum(a * a)) * sqrt(sum(b * b)), 0)'),
            format(pair, t, format(dense, '$1'), format(dense, '$2'), 'coalesce(sum(abs(a - b)), 0)'));

        -- Equality compares the stored text: enough for = in WHERE and for the index stand-ins.
        execute format($f$
            create function %1$s.%2$s_eq(%1$s.%2$s, %1$s.%2$s) returns boolean
                language internal immutable strict parallel safe as 'byteaeq';
            create function %1$s.%2$s_ne(%1$s.%2$s, %1$s.%2$s) returns boolean
                language internal immutable strict parallel safe as 'byteane';
            create function %1$s.%2$s_hash(%1$s.%2$s) returns integer
                language internal immutable strict parallel safe as 'hashvarlena';
            create operator %1$s.= (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_eq,
                commutator = operator(%1$s.=), negator = operator(%1$s.<>));
            create operator %1$s.<> (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_ne,
                commutator = operator(%1$s.<>), negator = operator(%1$s.=));
        $f$, s, t);

        execute format($f$
            create function %1$s.vector_dims(%1$s.%2$s) returns integer
                language plpgsql immutable strict parallel safe as $b$ begin return cardinality(%3$s); end $b$;
            create function %1$s.l2_norm(%1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as
                $b$ begin return (select sqrt(coalesce(sum(a * a), 0)) from unnest(%3$s) a); end $b$;
            create function %1$s.%2$s_to_float4(%1$s.%2$s, integer, boolean) returns real[]
                language plpgsql immutable strict parallel safe as $b$ begin return %3$s::real[]; end $b$;
            create cast (%1$s.%2$s as real[]) with function %1$s.%2$s_to_float4(%1$s.%2$s, integer, boolean) as implicit;
        $f$, s, t, format(dense, '$1'));
    end loop;

    -- Dense-only helpers (vector and halfvec): building values back from arrays.
    dense := kinds[1][2];
    foreach t in array array['vector', 'halfvec'] loop
        execute format($f$
            create function %1$s.array_to_%2$s(a anyarray, n integer, explicit boolean) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as $b$
                begin
                    if n > 0 and cardinality(a) <> n then
                        raise exception 'expected %% dimensions, not %%', n, cardinality(a) using errcode = '22000';
                    end if;
                    if array_position(a::float8[], null) is not null then
                        raise exception 'array must not contain nulls' using errcode = '22004';
                    end if;
                    return '[' || array_to_string(a, ',') || ']';
                end $b$;
            create cast (real[] as %1$s.%2$s) with function %1$s.array_to_%2$s(anyarray, integer, boolean) as assignment;
            create cast (double precision[] as %1$s.%2$s) with function %1$s.array_to_%2$s(anyarray, integer, boolean) as assignment;
            create cast (integer[] as %1$s.%2$s) with function %1$s.array_to_%2$s(anyarray, integer, boolean) as assignment;
            create cast (numeric[] as %1$s.%2$s) with function %1$s.array_to_%2$s(anyarray, integer, boolean) as assignment;
            create function %1$s.l2_normalize(%1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as $b$
                declare x float8[] := %3$s; n float8;
                begin
                    n := (select sqrt(coalesce(sum(a * a), 0)) from unnest(x) a);
                    return '[' || (select coalesce(string_agg((case when n = 0 then 0 else a / n end)::text, ',' order by i), '')
                                     from unnest(x) with ordinality u(a, i)) || ']';
                end $b$;
            create function %1$s.subvector(%1$s.%2$s, integer, integer) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as $b$
                declare x float8[] := %3$s;
                begin
                    if $3 < 1 then
                        raise exception 'vector must have at least 1 dimension' using errcode = '22000';
                    end if;
                    return '[' || array_to_string(x[greatest($2, 1) : $2 + $3 - 1], ',') || ']';
                end $b$;
            create function %1$s.binary_quantize(%1$s.%2$s) returns bit
                language plpgsql immutable strict parallel safe as $b$
                begin
                    return (select string_agg(case when a > 0 then '1' else '0' end, '' order by i)
                              from unnest(%3$s) with ordinality u(a, i))::varbit;
                end $b$;
            create function %1$s.%2$s_add(%1$s.%2$s, %1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %4$L;
            create function %1$s.%2$s_sub(%1$s.%2$s, %1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %5$L;
            create function %1$s.%2$s_mul(%1$s.%2$s, %1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %6$L;
            create operator %1$s.+ (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_add,
                commutator = operator(%1$s.+));
            create operator %1$s.- (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_sub);
            create operator %1$s.* (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_mul,
                commutator = operator(%1$s.*));
        $f$, s, t, format(dense, '$1'),
            format(pair, t, format(dense, '$1'), format(dense, '$2'),
                   $e$'[' || coalesce(string_agg((a + b)::text, ',' order by ord), '') || ']'$e$),
            format(pair, t, format(dense, '$1'), format(dense, '$2'),
                   $e$'[' || coalesce(string_agg((a - b)::text, ',' order by ord), '') || ']'$e$),
            format(pair, t, format(dense, '$1'), format(dense, '$2'),
                   $e$'[' || coalesce(string_agg((a * b)::text, ',' order by ord), '') || ']'$e$));
    end loop;
end
$gen$;

create function @extschema@.vector_norm(@extschema@.vector) returns float8
    language plpgsql immutable strict parallel safe as
    $b$ begin return (select sqrt(coalesce(sum(e::float8 * e::float8), 0))
                        from json_array_elements_text($1::text::json) e); end $b$;

-- Between the types: the stored text of vector and halfvec is the same JSON, so those casts only
-- re-check dimensions (through the target's length coercion).
create cast (@extschema@.vector as @extschema@.halfvec) without function as implicit;
create cast (@extschema@.halfvec as @extschema@.vector) without function as assignment;

create function @extschema@.vector_to_sparsevec(@extschema@.vector, integer, boolean) returns @extschema@.sparsevec
    language plpgsql immutable strict parallel safe as $b$
    begin
        return '{' || (select coalesce(string_agg(i || ':' || e, ',' order by i), '')
                         from json_array_elements_text($1::text::json) with ordinality u(e, i)
                        where e::float8 <> 0)
               || '}/' || json_array_length($1::text::json);
    end $b$;
create cast (@extschema@.vector as @extschema@.sparsevec) with function
    @extschema@.vector_to_sparsevec(@extschema@.vector, integer, boolean) as implicit;
create function @extschema@.sparsevec_to_vector(@extschema@.sparsevec, integer, boolean) returns @extschema@.vector
    language plpgsql immutable strict parallel safe as $b$
    begin
        return '[' || (select coalesce(string_agg(coalesce(m.v, '0'), ',' order by g.i), '')
                         from generate_series(1, split_part($1::text, '/', 2)::int) g(i)
                         left join (select r[1]::int as i, r[2] as v
                                      from regexp_matches(split_part($1::text, '/', 1),
                                                          '(\d+)\s*:\s*([^,}\s]+)', 'g') r) m
                           on m.i = g.i) || ']';
    end $b$;
create cast (@extschema@.sparsevec as @extschema@.vector) with function
    @extschema@.sparsevec_to_vector(@extschema@.sparsevec, integer, boolean) as assignment;

-- avg and sum over vectors.
create function @extschema@.vector_accum(float8[], @extschema@.vector) returns float8[]
    language plpgsql immutable strict parallel safe as $b$
    declare x float8[] := array(select e::float8 from json_array_elements_text($2::text::json) e);
    begin
        if $1 = '{}' then
            return array[1::float8] || x;
        end if;
        if cardinality($1) - 1 <> cardinality(x) then
            raise exception 'expected % dimensions, not %', cardinality($1) - 1, cardinality(x)
                using errcode = '22000';
        end if;
        return array[$1[1] + 1] || array(select a + b from unnest($1[2:], x) u(a, b));
    end $b$;
create function @extschema@.vector_avg(float8[]) returns @extschema@.vector
    language plpgsql immutable strict parallel safe as $b$
    begin
        if $1 = '{}' then return null; end if;
        return '[' || array_to_string(array(select a / $1[1] from unnest($1[2:]) a), ',') || ']';
    end $b$;
create function @extschema@.vector_sum_final(float8[]) returns @extschema@.vector
    language plpgsql immutable strict parallel safe as $b$
    begin
        if $1 = '{}' then return null; end if;
        return '[' || array_to_string($1[2:], ',') || ']';
    end $b$;
create aggregate @extschema@.avg(@extschema@.vector) (
    sfunc = @extschema@.vector_accum, stype = float8[], finalfunc = @extschema@.vector_avg, initcond = '{}'
);
create aggregate @extschema@.sum(@extschema@.vector) (
    sfunc = @extschema@.vector_accum, stype = float8[], finalfunc = @extschema@.vector_sum_final, initcond = '{}'
);

-- Binary vectors: Hamming and Jaccard distances on bit strings.
create function @extschema@.hamming_distance(bit, bit) returns float8
    language plpgsql immutable strict parallel safe as $b$
    begin
        if length($1) <> length($2) then
            raise exception 'different bit lengths % and %', length($1), length($2) using errcode = '22000';
        end if;
        return bit_count($1 # $2);
    end $b$;
create function @extschema@.jaccard_distance(bit, bit) returns float8
    language plpgsql immutable strict parallel safe as $b$
    begin
        if length($1) <> length($2) then
            raise exception 'different bit lengths % and %', length($1), length($2) using errcode = '22000';
        end if;
        return case when bit_count($1 | $2) = 0 then 0
                    else 1 - bit_count($1 & $2)::float8 / bit_count($1 | $2) end;
    end $b$;
create operator @extschema@.<~> (leftarg = bit, rightarg = bit, function = @extschema@.hamming_distance,
    commutator = operator(@extschema@.<~>));
create operator @extschema@.<%> (leftarg = bit, rightarg = bit, function = @extschema@.jaccard_distance,
    commutator = operator(@extschema@.<%>));
create function @extschema@.bit_hash(bit) returns integer
    language internal immutable strict parallel safe as 'hashvarlena';

-- hnsw and ivfflat: the hash index method underneath (one key column, any value size, no
-- ordering). The operator classes carry pgvector's names so CREATE INDEX statements apply.
create function @extschema@.hnswhandler(internal) returns index_am_handler
    language internal as 'hashhandler';
create function @extschema@.ivfflathandler(internal) returns index_am_handler
    language internal as 'hashhandler';
create access method hnsw type index handler @extschema@.hnswhandler;
create access method ivfflat type index handler @extschema@.ivfflathandler;

do $opclasses$
declare
    s constant text := '@extschema@';
    c record;
begin
    for c in
        select * from (values
            ('hnsw', 'vector', array['l2', 'ip', 'cosine', 'l1']),
            ('hnsw', 'halfvec', array['l2', 'ip', 'cosine', 'l1']),
            ('hnsw', 'sparsevec', array['l2', 'ip', 'cosine', 'l1']),
            ('ivfflat', 'vector', array['l2', 'ip', 'cosine']),
            ('ivfflat', 'halfvec', array['l2', 'ip', 'cosine'])
        ) v(am, typ, metrics)
    loop
        for i in 1 .. cardinality(c.metrics) loop
            execute format(
                'create operator class %1$s.%3$s_%4$s_ops %5$s for type %1$s.%3$s using %2$s as '
                'operator 1 %1$s.= (%1$s.%3$s, %1$s.%3$s), function 1 %1$s.%3$s_hash(%1$s.%3$s)',
                s, c.am, c.typ, c.metrics[i],
                case when c.am = 'ivfflat' and c.metrics[i] = 'l2' then 'default' else '' end);
        end loop;
    end loop;
    foreach c.am in array array['hnsw', 'ivfflat'] loop
        execute format('create operator class %1$s.bit_hamming_ops for type bit using %2$s as '
                       'operator 1 pg_catalog.= (bit, bit), function 1 %1$s.bit_hash(bit)', s, c.am);
    end loop;
    execute format('create operator class %1$s.bit_jaccard_ops for type bit using hnsw as '
                   'operator 1 pg_catalog.= (bit, bit), function 1 %1$s.bit_hash(bit)', s);
end
$opclasses$;
