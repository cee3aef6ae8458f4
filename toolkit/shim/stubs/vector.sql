-- supakit stub: vector
-- version: 0.8.0
-- relocatable: true
-- supports: every function, operator, aggregate and cast pgvector 0.8 has, under the same names and signatures (so a dump's GRANT ... ON FUNCTION lines apply); types vector(n), halfvec(n) and sparsevec(n) with their text formats and dimension checks; the operators <-> <#> <=> <+> (and <~> <%> on bit) computed in SQL; btree ordering; the index methods hnsw and ivfflat with every vector_*/halfvec_*/sparsevec_*/bit_* operator class, WITH (m, ef_construction, lists) accepted.
-- lacks: approximate search: an hnsw or ivfflat index is a plain hash index underneath and never speeds up ORDER BY embedding <=> ...; its WITH options are dropped; halfvec keeps full precision; distances are computed in SQL, far slower than pgvector.
--
-- Values are stored as their text, so the types reuse built-in I/O: vector and halfvec read and
-- write JSON arrays ('[1,2,3]'), sparsevec keeps its '{1:0.5,3:2}/5' text. The type modifier is
-- the dimension count itself (bit's modifier functions), as in pgvector. Function bodies name no
-- schema, so ALTER EXTENSION vector SET SCHEMA keeps them working: values are built as text and
-- PL/pgSQL converts that text through the return type's input function.

-- Types ----------------------------------------------------------------------------------------
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
create type @extschema@.vector (
    input = @extschema@.vector_in, output = @extschema@.vector_out,
    receive = @extschema@.vector_recv, send = @extschema@.vector_send,
    typmod_in = @extschema@.vector_typmod_in,
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
    typmod_in = @extschema@.halfvec_typmod_in,
    internallength = variable, storage = extended, alignment = int4
);

create type @extschema@.sparsevec;
create function @extschema@.sparsevec_in(cstring, oid, integer) returns @extschema@.sparsevec
    language internal immutable strict parallel safe as 'textin';
create function @extschema@.sparsevec_out(@extschema@.sparsevec) returns cstring
    language internal immutable strict parallel safe as 'textout';
create function @extschema@.sparsevec_recv(internal, oid, integer) returns @extschema@.sparsevec
    language internal immutable strict parallel safe as 'textrecv';
create function @extschema@.sparsevec_send(@extschema@.sparsevec) returns bytea
    language internal immutable strict parallel safe as 'textsend';
create function @extschema@.sparsevec_typmod_in(cstring[]) returns integer
    language internal immutable strict parallel safe as 'bittypmodin';
create type @extschema@.sparsevec (
    input = @extschema@.sparsevec_in, output = @extschema@.sparsevec_out,
    receive = @extschema@.sparsevec_recv, send = @extschema@.sparsevec_send,
    typmod_in = @extschema@.sparsevec_typmod_in,
    internallength = variable, storage = extended, alignment = int4
);

-- Functions, operators and casts, generated per type from templates -----------------------------
do $gen$
declare
    s constant text := '@extschema@';
    -- How to read each type into float8[] (%1$s is the argument) and write float8[] back as text
    -- (%1$s is the array).
    dense constant jsonb := jsonb_build_object(
        'vector', $d$array(select e::float8 from json_array_elements_text(%1$s::text::json) e)$d$,
        'halfvec', $d$array(select e::float8 from json_array_elements_text(%1$s::text::json) e)$d$,
        'sparsevec', $d$(select coalesce(array_agg(coalesce(m.val, 0) order by g.i), '{}')
                          from generate_series(1, split_part(%1$s::text, '/', 2)::int) g(i)
                          left join (select r[1]::int as i, r[2]::float8 as val
                                       from regexp_matches(split_part(%1$s::text, '/', 1),
                                                           '(\d+)\s*:\s*([^,}\s]+)', 'g') r) m
                            on m.i = g.i)$d$);
    render constant jsonb := jsonb_build_object(
        'vector', $r$'[' || array_to_string(%1$s, ',') || ']'$r$,
        'halfvec', $r$'[' || array_to_string(%1$s, ',') || ']'$r$,
        'sparsevec', $r$'{' || (select coalesce(string_agg(u.i || ':' || u.val, ',' order by u.i), '')
                                   from unnest(%1$s) with ordinality u(val, i) where u.val <> 0)
                         || '}/' || cardinality(%1$s)$r$);
    -- A body over two values of one type: x and y are their float8[] forms.
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
    -- A body over one value: x is its float8[] form.
    one constant text := $o$
        declare
            x float8[] := %1$s;
        begin
            return %2$s;
        end
    $o$;
    -- A conversion with a dimension check against the type modifier n.
    conv constant text := $c$
        declare
            x float8[] := %1$s;
        begin
            if n > 0 and cardinality(x) <> n then
                raise exception 'expected %% dimensions, not %%', n, cardinality(x) using errcode = '22000';
            end if;
            if array_position(x, null) is not null then
                raise exception 'array must not contain nulls' using errcode = '22004';
            end if;
            return %2$s;
        end
    $c$;
    -- Element by element, then by length, like pgvector; %3$s turns c (-1, 0, 1) into the result.
    compare constant text := $q$
        declare
            x float8[] := %1$s;
            y float8[] := %2$s;
            c integer := 0;
        begin
            for i in 1 .. least(cardinality(x), cardinality(y)) loop
                if x[i] <> y[i] then
                    c := case when x[i] < y[i] then -1 else 1 end;
                    exit;
                end if;
            end loop;
            if c = 0 then
                c := sign(cardinality(x) - cardinality(y))::int;
            end if;
            return %3$s;
        end
    $q$;
    t text;
    u text;
    arr text;
    fn text;
    op text;
begin
    foreach t in array array['vector', 'halfvec', 'sparsevec'] loop
        -- Dimension check for t(n): the length-coercion cast pgvector also has.
        execute format($f$
            create function %1$s.%2$s(v %1$s.%2$s, n integer, explicit boolean) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %3$L;
            create cast (%1$s.%2$s as %1$s.%2$s) with function %1$s.%2$s(%1$s.%2$s, integer, boolean) as implicit;
        $f$, s, t, format(conv, format(dense ->> t, 'v'), 'v'));

        -- Distances.
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
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'), 'sqrt(coalesce(sum((a - b) ^ 2), 0))'),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'), 'coalesce(sum((a - b) ^ 2), 0)'),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'), 'coalesce(sum(a * b), 0)'),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'), '-coalesce(sum(a * b), 0)'),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'),
                   '1 - sum(a * b) / nullif(sqrt(sum(a * a)) * sqrt(sum(b * b)), 0)'),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'), 'coalesce(sum(abs(a - b)), 0)'));

        -- Comparisons and btree ordering.
        foreach op in array array['cmp:c', 'lt:c < 0', 'le:c <= 0', 'eq:c = 0', 'ne:c <> 0', 'ge:c >= 0', 'gt:c > 0'] loop
            execute format($f$
                create function %1$s.%2$s_%3$s(%1$s.%2$s, %1$s.%2$s) returns %4$s
                    language plpgsql immutable strict parallel safe as %5$L;
            $f$, s, t, split_part(op, ':', 1),
                case when op like 'cmp:%' then 'integer' else 'boolean' end,
                format(compare, format(dense ->> t, '$1'), format(dense ->> t, '$2'), split_part(op, ':', 2)));
        end loop;
        execute format($f$
            create operator %1$s.< (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_lt,
                commutator = operator(%1$s.>), negator = operator(%1$s.>=),
                restrict = scalarltsel, join = scalarltjoinsel);
            create operator %1$s.<= (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_le,
                commutator = operator(%1$s.>=), negator = operator(%1$s.>),
                restrict = scalarlesel, join = scalarlejoinsel);
            create operator %1$s.= (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_eq,
                commutator = operator(%1$s.=), negator = operator(%1$s.<>),
                restrict = eqsel, join = eqjoinsel);
            create operator %1$s.<> (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_ne,
                commutator = operator(%1$s.<>), negator = operator(%1$s.=),
                restrict = neqsel, join = neqjoinsel);
            create operator %1$s.>= (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_ge,
                commutator = operator(%1$s.<=), negator = operator(%1$s.<),
                restrict = scalargesel, join = scalargejoinsel);
            create operator %1$s.> (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_gt,
                commutator = operator(%1$s.<), negator = operator(%1$s.<=),
                restrict = scalargtsel, join = scalargtjoinsel);
            create operator class %1$s.%2$s_ops default for type %1$s.%2$s using btree as
                operator 1 %1$s.<, operator 2 %1$s.<=, operator 3 %1$s.=, operator 4 %1$s.>=,
                operator 5 %1$s.>, function 1 %1$s.%2$s_cmp(%1$s.%2$s, %1$s.%2$s);
        $f$, s, t);

        -- Norms.
        execute format($f$
            create function %1$s.%3$s(%1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %4$L;
            create function %1$s.l2_normalize(%1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %5$L;
        $f$, s, t, case when t = 'vector' then 'vector_norm' else 'l2_norm' end,
            format(one, format(dense ->> t, '$1'), '(select sqrt(coalesce(sum(a * a), 0)) from unnest(x) a)'),
            format(one, format(dense ->> t, '$1'), format(render ->> t,
                   $n$array(select case when n = 0 then 0 else a / n end
                              from unnest(x) with ordinality u(a, i),
                                   (select sqrt(coalesce(sum(b * b), 0)) as n from unnest(x) b) m order by i)$n$)));

        -- Building values from arrays.
        foreach arr in array array['real[]', 'double precision[]', 'integer[]', 'numeric[]'] loop
            execute format($f$
                create function %1$s.array_to_%2$s(a %3$s, n integer, explicit boolean) returns %1$s.%2$s
                    language plpgsql immutable strict parallel safe as %4$L;
                create cast (%3$s as %1$s.%2$s) with function %1$s.array_to_%2$s(%3$s, integer, boolean) as assignment;
            $f$, s, t, arr, format(conv, 'a::float8[]', format(render ->> t, 'x')));
        end loop;

        -- Casts between the three types.
        foreach u in array array['vector', 'halfvec', 'sparsevec'] loop
            continue when u = t;
            execute format($f$
                create function %1$s.%2$s_to_%3$s(v %1$s.%2$s, n integer, explicit boolean) returns %1$s.%3$s
                    language plpgsql immutable strict parallel safe as %4$L;
                create cast (%1$s.%2$s as %1$s.%3$s) with function %1$s.%2$s_to_%3$s(%1$s.%2$s, integer, boolean)
                    as %5$s;
            $f$, s, t, u, format(conv, format(dense ->> t, 'v'), format(render ->> u, 'x')),
                -- Towards the larger or sparser type is implicit, back is by assignment.
                case when (t, u) in (('vector', 'halfvec'), ('vector', 'sparsevec'), ('halfvec', 'sparsevec'))
                     then 'implicit' else 'assignment' end);
        end loop;
    end loop;

    -- Dense types only: arithmetic, slicing, quantizing, aggregates, conversion to real[].
    foreach t in array array['vector', 'halfvec'] loop
        execute format($f$
            create function %1$s.%2$s_add(%1$s.%2$s, %1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %3$L;
            create function %1$s.%2$s_sub(%1$s.%2$s, %1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %4$L;
            create function %1$s.%2$s_mul(%1$s.%2$s, %1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %5$L;
            create function %1$s.%2$s_concat(%1$s.%2$s, %1$s.%2$s) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %6$L;
            create function %1$s.%2$s_spherical_distance(%1$s.%2$s, %1$s.%2$s) returns float8
                language plpgsql immutable strict parallel safe as %7$L;
            create operator %1$s.+ (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_add,
                commutator = operator(%1$s.+));
            create operator %1$s.- (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_sub);
            create operator %1$s.* (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_mul,
                commutator = operator(%1$s.*));
            create operator %1$s.|| (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s, function = %1$s.%2$s_concat);
        $f$, s, t,
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'),
                   $e$'[' || coalesce(string_agg((a + b)::text, ',' order by ord), '') || ']'$e$),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'),
                   $e$'[' || coalesce(string_agg((a - b)::text, ',' order by ord), '') || ']'$e$),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'),
                   $e$'[' || coalesce(string_agg((a * b)::text, ',' order by ord), '') || ']'$e$),
            format(one, format(dense ->> t, '$1'),
                   format($e$'[' || array_to_string(x || %s, ',') || ']'$e$, format(dense ->> t, '$2'))),
            format(pair, t, format(dense ->> t, '$1'), format(dense ->> t, '$2'),
                   'acos(greatest(-1, least(1, coalesce(sum(a * b), 0)))) / pi()'));

        execute format($f$
            create function %1$s.vector_dims(%1$s.%2$s) returns integer
                language plpgsql immutable strict parallel safe as %3$L;
            create function %1$s.subvector(%1$s.%2$s, integer, integer) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as %4$L;
            create function %1$s.binary_quantize(%1$s.%2$s) returns bit
                language plpgsql immutable strict parallel safe as %5$L;
            create function %1$s.%2$s_to_float4(v %1$s.%2$s, n integer, explicit boolean) returns real[]
                language plpgsql immutable strict parallel safe as %6$L;
            create cast (%1$s.%2$s as real[]) with function %1$s.%2$s_to_float4(%1$s.%2$s, integer, boolean) as implicit;
        $f$, s, t,
            format(one, format(dense ->> t, '$1'), 'cardinality(x)'),
            format($b$
                declare
                    x float8[] := %s;
                begin
                    if $3 < 1 then
                        raise exception '%s must have at least 1 dimension' using errcode = '22000';
                    end if;
                    return '[' || array_to_string(x[greatest($2, 1) : $2 + $3 - 1], ',') || ']';
                end $b$, format(dense ->> t, '$1'), t),
            format(one, format(dense ->> t, '$1'),
                   $e$(select string_agg(case when a > 0 then '1' else '0' end, '' order by i)
                         from unnest(x) with ordinality u(a, i))::varbit$e$),
            format(one, format(dense ->> t, 'v'), 'x::real[]'));

        -- avg and sum. The state is {count, sum_1, ..., sum_n}.
        execute format($f$
            create function %1$s.%2$s_accum(float8[], %1$s.%2$s) returns float8[]
                language plpgsql immutable strict parallel safe as $b$
                declare x float8[] := %3$s;
                begin
                    if $1[1] = 0 then
                        return array[1::float8] || x;
                    end if;
                    if cardinality($1) - 1 <> cardinality(x) then
                        raise exception 'expected %% dimensions, not %%', cardinality($1) - 1, cardinality(x)
                            using errcode = '22000';
                    end if;
                    return array[$1[1] + 1] || array(select a + b from unnest($1[2:], x) u(a, b));
                end $b$;
            create function %1$s.%2$s_combine(float8[], float8[]) returns float8[]
                language plpgsql immutable strict parallel safe as $b$
                begin
                    if $1[1] = 0 then return $2; end if;
                    if $2[1] = 0 then return $1; end if;
                    if cardinality($1) <> cardinality($2) then
                        raise exception 'expected %% dimensions, not %%', cardinality($1) - 1, cardinality($2) - 1
                            using errcode = '22000';
                    end if;
                    return array(select a + b from unnest($1, $2) u(a, b));
                end $b$;
            create function %1$s.%2$s_avg(float8[]) returns %1$s.%2$s
                language plpgsql immutable strict parallel safe as $b$
                begin
                    if $1[1] = 0 then return null; end if;
                    return '[' || array_to_string(array(select a / $1[1] from unnest($1[2:]) a), ',') || ']';
                end $b$;
            create aggregate %1$s.avg(%1$s.%2$s) (
                sfunc = %1$s.%2$s_accum, stype = float8[], finalfunc = %1$s.%2$s_avg,
                combinefunc = %1$s.%2$s_combine, initcond = '{0}', parallel = safe);
            create aggregate %1$s.sum(%1$s.%2$s) (
                sfunc = %1$s.%2$s_add, stype = %1$s.%2$s, combinefunc = %1$s.%2$s_add, parallel = safe);
        $f$, s, t, format(dense ->> t, '$2'));
    end loop;
end
$gen$;

-- Binary vectors: Hamming and Jaccard distances on bit strings --------------------------------
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

-- hnsw and ivfflat -----------------------------------------------------------------------------
-- The hash index method underneath: one key column, any value size, no ordering. Its operator
-- classes use "===" (same stored text) and a hash of that text, which agree with each other, so
-- the planner may use these indexes only where the answer is exact. The *_support functions exist
-- for their names; nothing can call a function that takes internal.
create function @extschema@.hnswhandler(internal) returns index_am_handler
    language internal as 'hashhandler';
create function @extschema@.ivfflathandler(internal) returns index_am_handler
    language internal as 'hashhandler';
create function @extschema@.hnsw_bit_support(internal) returns internal language internal as 'hashhandler';
create function @extschema@.hnsw_halfvec_support(internal) returns internal language internal as 'hashhandler';
create function @extschema@.hnsw_sparsevec_support(internal) returns internal language internal as 'hashhandler';
create function @extschema@.ivfflat_bit_support(internal) returns internal language internal as 'hashhandler';
create function @extschema@.ivfflat_halfvec_support(internal) returns internal language internal as 'hashhandler';
create access method hnsw type index handler @extschema@.hnswhandler;
create access method ivfflat type index handler @extschema@.ivfflathandler;

do $opclasses$
declare
    s constant text := '@extschema@';
    c record;
    t text;
begin
    foreach t in array array['vector', 'halfvec', 'sparsevec'] loop
        execute format($f$
            create function %1$s.%2$s_text_eq(%1$s.%2$s, %1$s.%2$s) returns boolean
                language internal immutable strict parallel safe as 'byteaeq';
            create function %1$s.%2$s_text_hash(%1$s.%2$s) returns integer
                language internal immutable strict parallel safe as 'hashvarlena';
            create operator %1$s.=== (leftarg = %1$s.%2$s, rightarg = %1$s.%2$s,
                function = %1$s.%2$s_text_eq, commutator = operator(%1$s.===));
        $f$, s, t);
    end loop;
    execute format('create function %1$s.bit_text_hash(bit) returns integer '
                   'language internal immutable strict parallel safe as ''hashvarlena''', s);
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
                'operator 1 %1$s.=== (%1$s.%3$s, %1$s.%3$s), function 1 %1$s.%3$s_text_hash(%1$s.%3$s)',
                s, c.am, c.typ, c.metrics[i],
                case when c.am = 'ivfflat' and c.metrics[i] = 'l2' then 'default' else '' end);
        end loop;
    end loop;
    foreach t in array array['hnsw', 'ivfflat'] loop
        execute format('create operator class %1$s.bit_hamming_ops for type bit using %2$s as '
                       'operator 1 pg_catalog.= (bit, bit), function 1 %1$s.bit_text_hash(bit)', s, t);
    end loop;
    execute format('create operator class %1$s.bit_jaccard_ops for type bit using hnsw as '
                   'operator 1 pg_catalog.= (bit, bit), function 1 %1$s.bit_text_hash(bit)', s);
end
$opclasses$;
