"""Each stub does what real projects ask of it, in a real database, through a real migration."""

from __future__ import annotations

import psycopg
import pytest

from tests.extensions.conftest import query


def test_every_stub_is_reported_and_registered_as_an_extension(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, result = stubbed
    assert result.stubbed_extensions == ["vector", "pg_net", "pgsodium", "supabase_vault", "pgjwt",
                                         "pg_graphql", "http", "wrappers", "plv8", "pg_cron"]
    where = dict(query(db, "select extname, extnamespace::regnamespace::text from pg_extension"))
    assert where["vector"] == "extensions" and where["supabase_vault"] == "vault"
    assert where["pg_graphql"] == "graphql" and where["pg_cron"] == "pg_catalog"


def test_stub_objects_are_extension_members(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, _ = stubbed
    strays = query(db, """
        select n.nspname || '.' || p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in ('net', 'vault', 'cron', 'graphql', 'pgsodium')
           and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass
                            and d.objid = p.oid and d.deptype = 'e')
        union all
        select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('net', 'vault', 'cron', 'pgsodium') and c.relkind in ('r', 'v')
           and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass
                            and d.objid = c.oid and d.deptype = 'e')""")
    assert strays == []
    members = dict(query(db, """
        select x.extname, count(*) from pg_depend d join pg_extension x on x.oid = d.refobjid
         where d.deptype = 'e' group by x.extname"""))
    assert members["vector"] > 100 and members["wrappers"] > 30 and members["pg_net"] >= 5
    # Array and row types belong to their type or table, as with CREATE EXTENSION.
    assert query(db, """select count(*) from pg_depend d join pg_type t on t.oid = d.objid
                         where d.classid = 'pg_type'::regclass and d.deptype = 'e'
                           and (t.typcategory = 'A' or exists (select from pg_class c
                                where c.oid = t.typrelid and c.relkind <> 'c'))""") == [(0,)]


def test_vector_columns_indexes_and_distance_queries(module_apply) -> None:  # type: ignore[no-untyped-def]
    db, _ = module_apply({"20240101000000_rag.sql": """
        create extension if not exists vector with schema extensions;
        create table public.items (id bigint primary key, embedding extensions.vector(3));
        create index on public.items using hnsw (embedding extensions.vector_cosine_ops)
            with (m = 16, ef_construction = 64);
        create index items_ivf on public.items using ivfflat (embedding extensions.vector_l2_ops)
            with (lists = 100);
        create index items_half on public.items
            using hnsw ((embedding::extensions.halfvec(3)) extensions.halfvec_l2_ops);
        insert into public.items values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[1,1,0]');
    """})
    assert query(db, "select format_type(atttypid, atttypmod) from pg_attribute "
                     "where attrelid = 'public.items'::regclass and attname = 'embedding'") \
        == [("vector(3)",)]
    methods = {r[0] for r in query(db, "select am.amname from pg_index i join pg_class c on c.oid = i.indexrelid "
                                       "join pg_am am on am.oid = c.relam where i.indrelid = 'public.items'::regclass")}
    assert methods == {"btree", "hnsw", "ivfflat"}
    rows = query(db, path="public, extensions",
                 sql="select id from public.items order by embedding <=> '[1,0.1,0]' limit 2")
    assert [r[0] for r in rows] == [1, 3]
    plan = "\n".join(str(r[0]) for r in query(db, path="public, extensions", sql="explain select id from items "
                                                 "order by embedding <-> '[1,1,1]' limit 5"))
    assert "Sort" in plan
    dist = query(db, path="public, extensions", sql="select '[1,2,3]'::vector <-> '[1,2,5]', "
                     "'[1,2]'::vector <#> '[3,4]', '[1,0]'::vector <=> '[0,1]', '[1,2]'::vector <+> '[3,5]'")
    assert dist == [(2.0, -11.0, 1.0, 5.0)]


@pytest.mark.parametrize("sql, message", [
    ("select '[1,2]'::extensions.vector(3)", "expected 3 dimensions, not 2"),
    ("insert into public.items values (9, '[1,2]')", "expected 3 dimensions, not 2"),
    ("select '[1,2]'::extensions.vector operator(extensions.<->) '[1,2,3]'::extensions.vector",
     "different vector dimensions 2 and 3"),
    ("select 'not a vector'::extensions.vector", "invalid input syntax"),
])
def test_vector_rejects_what_pgvector_rejects(module_apply, sql: str, message: str) -> None:  # type: ignore[no-untyped-def]
    db, _ = module_apply({"20240101000000_v.sql": """
        create extension vector with schema extensions;
        create table public.items (id bigint primary key, embedding extensions.vector(3));
    """})
    with pytest.raises(psycopg.Error, match=message):
        query(db, sql)


def test_vector_helpers_casts_and_aggregates(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, _ = stubbed
    row = query(db, """
        select array[3, 4]::vector, vector_dims('[1,2,3]'::vector), vector_norm('[3,4]'::vector),
               l2_normalize('[3,4]'::vector), subvector('[1,2,3,4]'::vector, 2, 2),
               binary_quantize('[1,-2,3]'::vector)::text, '[1,2]'::vector + '[3,4]'::vector,
               '[1,2]'::vector::real[], '[1,0,3]'::vector::sparsevec, '{1:1,3:2}/4'::sparsevec::vector,
               (select avg(v) from unnest(array['[1,2]'::vector, '[3,4]']) v),
               '101'::bit(3) <~> '111'::bit(3), '1100'::bit(4) <%> '1010'::bit(4)""", path="extensions")[0]
    assert row[:12] == ("[3,4]", 3, 5.0, "[0.6,0.8]", "[2,3]", "101", "[4,6]", [1.0, 2.0], "{1:1,3:3}/3",
                        "[1,0,2,0]", "[2,3]", 1.0)
    assert row[12] == pytest.approx(2 / 3)


def test_vector_moves_with_alter_extension_set_schema(module_apply) -> None:  # type: ignore[no-untyped-def]
    db, result = module_apply({
        "20240101000000_a.sql": """
            create extension vector;
            create table public.items (id bigint primary key, embedding vector(2));
        """,
        "20240101000001_b.sql": """
            alter extension vector set schema extensions;
            create index on public.items using hnsw (embedding extensions.vector_l2_ops) with (m = 4);
        """,
    })
    assert result.complete
    assert query(db, "select extnamespace::regnamespace::text from pg_extension where extname = 'vector'") \
        == [("extensions",)]
    assert query(db, path="''", sql="select extensions.l2_normalize('[3,4]'::extensions.vector)::text") \
        == [("[0.6,0.8]",)]


def test_drop_extension_removes_the_stub(module_apply) -> None:  # type: ignore[no-untyped-def]
    db, result = module_apply({"20240101000000_a.sql": """
        create extension vector;
        drop extension vector;
        create extension vector with schema extensions;
    """})
    assert result.stubbed_extensions == ["vector"]
    assert query(db, "select to_regtype('public.vector') is null, to_regtype('extensions.vector') is not null") \
        == [(True, True)]


def test_pg_net_queues_requests_and_returns_ids(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, _ = stubbed
    with db.connect() as conn:
        first = conn.execute("select net.http_post('https://example.com/hook', '{\"a\": 1}'::jsonb)").fetchone()
        second = conn.execute("select net.http_get('https://example.com/x', '{\"q\": \"a b\"}')").fetchone()
        third = conn.execute("select net.http_delete('https://example.com/x/1')").fetchone()
        assert first and second and third
        assert isinstance(first[0], int) and first[0] < second[0] < third[0]
        assert conn.execute("select method, url from net.http_request_queue where id = %s",
                            (second[0],)).fetchone() == ("GET", "https://example.com/x?q=a%20b")
        assert conn.execute("select count(*) from net._http_response").fetchone() == (0,)
        with pytest.raises(psycopg.Error, match="invalid url"):
            conn.execute("select net.http_get('ftp://example.com')")


def test_pg_net_is_callable_by_the_api_roles_as_on_supabase(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, _ = stubbed
    assert query(db, role="authenticated", sql="select net.http_get('https://example.com') > 0") == [(True,)]


def test_vault_create_secret_and_decrypted_view(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, _ = stubbed
    with db.connect() as conn:
        sid = conn.execute("select vault.create_secret('s3cr3t', 'api_key', 'an API key')").fetchone()
        assert sid is not None
        conn.execute("select vault.update_secret(%s, 'rotated')", (sid[0],))
        assert conn.execute("select name, decrypted_secret from vault.decrypted_secrets where id = %s",
                            (sid[0],)).fetchone() == ("api_key", "rotated")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("select vault.create_secret('other', 'api_key')")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(db, role="anon", sql="select * from vault.decrypted_secrets")


def test_wrappers_foreign_tables_apply_and_fail_only_when_read(module_apply) -> None:  # type: ignore[no-untyped-def]
    db, result = module_apply({"20240101000000_stripe.sql": """
        create extension if not exists wrappers with schema extensions;
        create foreign data wrapper stripe_wrapper handler stripe_fdw_handler validator stripe_fdw_validator;
        create server stripe_server foreign data wrapper stripe_wrapper
            options (api_key_id 'a0b1', api_url 'https://api.stripe.com/v1/');
        create schema stripe;
        create foreign table stripe.customers (id text, email text, attrs jsonb)
            server stripe_server options (object 'customers', rowid_column 'id');
        create user mapping for postgres server stripe_server;
        import foreign schema stripe from server stripe_server into stripe;
    """})
    assert result.complete and len(result.skipped_statements) == 1
    assert "20240101000000_stripe.sql:9:1: skipped import foreign schema stripe" in result.skipped_statements[0]
    assert query(db, "select relkind from pg_class where oid = 'stripe.customers'::regclass") == [("f",)]
    with pytest.raises(psycopg.Error, match="fdw_handler"):
        query(db, "select * from stripe.customers")


def test_pg_cron_schedules_and_checks_schedules(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, _ = stubbed
    with db.connect() as conn:
        job = conn.execute("select cron.schedule('job', '* * * * *', $$select 1$$)").fetchone()
        again = conn.execute("select cron.schedule('job', '*/5 * * * *', $$select 2$$)").fetchone()
        anon = conn.execute("select cron.schedule('30 seconds', $$select 3$$)").fetchone()
        assert job and again and anon and job[0] == again[0] != anon[0]
        assert conn.execute("select schedule, command from cron.job where jobname = 'job'").fetchone() \
            == ("*/5 * * * *", "select 2")
        assert conn.execute("select cron.unschedule('job')").fetchone() == (True,)
        with pytest.raises(psycopg.Error, match="invalid schedule: every minute"):
            conn.execute("select cron.schedule('bad', 'every minute', 'select 1')")


def test_pgjwt_signs_and_verifies_hs256(stubbed) -> None:  # type: ignore[no-untyped-def]
    import base64
    import hashlib
    import hmac

    db, _ = stubbed
    token = query(db, "select extensions.sign('{\"sub\": \"42\"}'::json, 'secret')")[0][0]
    assert isinstance(token, str)
    head, body, sig = token.split(".")
    expected = base64.urlsafe_b64encode(hmac.new(b"secret", f"{head}.{body}".encode(), hashlib.sha256).digest())
    assert sig == expected.decode().rstrip("=")
    assert query(db, "select payload ->> 'sub', valid from extensions.verify(%s, 'secret')", token) == [("42", True)]
    assert query(db, "select valid from extensions.verify(%s, 'wrong')", token) == [(False,)]


def test_pgjwt_requires_pgcrypto(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    from toolkit.errors import MigrationError

    with db.connect(superuser=True) as conn:
        conn.execute("drop extension pgcrypto")
    with pytest.raises(MigrationError, match=r'_a\.sql:2:1: required extension "pgcrypto" is not installed'):
        apply_sql(db, {"20240101000000_a.sql": "select 1;\ncreate extension pgjwt;\n"})


def test_graphql_http_plv8_and_pgsodium(stubbed) -> None:  # type: ignore[no-untyped-def]
    db, _ = stubbed
    answer = query(db, role="anon", sql="select graphql.resolve('{ __typename }')")[0][0]
    assert isinstance(answer, dict) and "stub" in answer["errors"][0]["message"]
    assert query(db, "select (extensions.http_get('https://example.com')).status, "
                     "extensions.urlencode('a b&c')") == [(200, "a%20b%26c")]
    with db.connect() as conn:
        conn.execute("create function public.js_add(a int, b int) returns int language plv8 as $$ return a + b $$")
        with pytest.raises(psycopg.Error, match="language_handler"):
            conn.execute("select public.js_add(1, 2)")
        key = conn.execute("select (pgsodium.create_key(name := 'k')).name").fetchone()
        assert key == ("k",)


def test_stub_install_rolls_back_with_its_file(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {
        "20240101000001_bad.sql": "create extension pg_net;\nselect net.http_get('https://x.example');\nselect 1/0;\n",
        "20240101000002_ok.sql": "create extension vector;\n",
    }, keep_going=True)
    assert [str(f) for f in result.failures] == ["supabase/migrations/20240101000001_bad.sql:3:1: division by zero"]
    assert result.stubbed_extensions == ["vector"]
    assert query(db, "select extname from pg_extension where extname in ('pg_net', 'vector')") == [("vector",)]
    assert query(db, "select to_regnamespace('net')") == [(None,)]


# Every routine pgvector 0.8 defines, as `supabase db dump` writes them in its GRANT lines.
PGVECTOR_ROUTINES = [
    *(f"{t}_{io}" for t in ("vector", "halfvec", "sparsevec")
      for io in ("in(cstring, oid, integer)", "out({T})", "recv(internal, oid, integer)", "send({T})",
                 "typmod_in(cstring[])")),
    *(f"array_to_{t}({a}[], integer, boolean)" for t in ("vector", "halfvec", "sparsevec")
      for a in ("real", "double precision", "integer", "numeric")),
    *(f"{a}_to_{b}({a}, integer, boolean)" for a in ("vector", "halfvec", "sparsevec")
      for b in ("vector", "halfvec", "sparsevec") if a != b),
    "vector_to_float4(vector, integer, boolean)", "halfvec_to_float4(halfvec, integer, boolean)",
    *(f"{t}({t}, integer, boolean)" for t in ("vector", "halfvec", "sparsevec")),
    *(f"{f}({t}, {t})" for f in ("cosine_distance", "inner_product", "l1_distance", "l2_distance")
      for t in ("vector", "halfvec", "sparsevec")),
    *(f"{t}_{f}({t}, {t})" for t in ("vector", "halfvec", "sparsevec")
      for f in ("cmp", "eq", "ne", "lt", "le", "gt", "ge", "l2_squared_distance", "negative_inner_product")),
    *(f"{t}_{f}({t}, {t})" for t in ("vector", "halfvec")
      for f in ("add", "sub", "mul", "concat", "spherical_distance")),
    *(f"{t}_{f}" for t in ("vector", "halfvec")
      for f in ("accum(double precision[], {T})", "avg(double precision[])",
                "combine(double precision[], double precision[])")),
    "binary_quantize(vector)", "binary_quantize(halfvec)", "subvector(vector, integer, integer)",
    "subvector(halfvec, integer, integer)", "vector_dims(vector)", "vector_dims(halfvec)", "vector_norm(vector)",
    "l2_norm(halfvec)", "l2_norm(sparsevec)", "l2_normalize(vector)", "l2_normalize(halfvec)",
    "l2_normalize(sparsevec)", "hamming_distance(bit, bit)", "jaccard_distance(bit, bit)",
    "hnswhandler(internal)", "ivfflathandler(internal)", "hnsw_bit_support(internal)",
    "hnsw_halfvec_support(internal)", "hnsw_sparsevec_support(internal)", "ivfflat_bit_support(internal)",
    "ivfflat_halfvec_support(internal)", "avg(vector)", "avg(halfvec)", "sum(vector)", "sum(halfvec)",
]


def test_a_dump_can_grant_on_every_pgvector_routine(module_apply) -> None:  # type: ignore[no-untyped-def]
    grants = []
    for sig in PGVECTOR_ROUTINES:
        name, args = sig.split("(", 1)
        typ = name.split("_")[0]
        args = args.replace("{T}", typ).rstrip(")")
        qualified = ", ".join(f'"public"."{a}"' if a in ("vector", "halfvec", "sparsevec") else a
                              for a in args.split(", ") if a)
        grants.append(f'GRANT ALL ON FUNCTION "public"."{name}"({qualified}) TO "anon";')
    assert len(grants) == 118
    _, result = module_apply({"20240101000000_remote_schema.sql":
                              'CREATE EXTENSION IF NOT EXISTS "vector" WITH SCHEMA "public";\n' + "\n".join(grants)})
    assert result.complete


HTTP_ROUTINES = [
    "http(request {s}.http_request)", "http_delete(uri character varying)",
    "http_delete(uri character varying, content character varying, content_type character varying)",
    "http_get(uri character varying)", "http_get(uri character varying, data jsonb)",
    "http_head(uri character varying)", "http_header(field character varying, value character varying)",
    "http_list_curlopt()", "http_patch(uri character varying, content character varying, content_type character varying)",
    "http_post(uri character varying, data jsonb)",
    "http_post(uri character varying, content character varying, content_type character varying)",
    "http_put(uri character varying, content character varying, content_type character varying)",
    "http_reset_curlopt()", "http_set_curlopt(curlopt character varying, value character varying)",
    "text_to_bytea(data text)", "bytea_to_text(data bytea)", "urlencode(string bytea)", "urlencode(data jsonb)",
    "urlencode(string character varying)",
]


def test_a_dump_can_grant_on_every_http_routine(module_apply) -> None:  # type: ignore[no-untyped-def]
    grants = "\n".join(f'GRANT ALL ON FUNCTION "public".{sig.format(s="public")} TO "anon";' for sig in HTTP_ROUTINES)
    _, result = module_apply({"20240101000000_remote_schema.sql":
                              'CREATE EXTENSION IF NOT EXISTS "http" WITH SCHEMA "public";\n' + grants})
    assert result.complete


def test_hypopg_index_advisor_and_pg_jsonschema(module_apply) -> None:  # type: ignore[no-untyped-def]
    db, result = module_apply({"20240101000000_a.sql": """
        create extension if not exists hypopg with schema extensions;
        create extension if not exists index_advisor with schema extensions;
        create extension if not exists pg_jsonschema with schema extensions;
        create table public.settings (
            id int primary key,
            doc jsonb not null check (extensions.jsonb_matches_schema('{"type": "object"}', doc))
        );
        insert into public.settings values (1, '{"theme": "dark"}');
    """})
    assert result.stubbed_extensions == ["hypopg", "index_advisor", "pg_jsonschema"]
    advice = query(db, "select index_statements, errors from extensions.index_advisor('select 1')")
    assert advice[0][0] == [] and "stub" in advice[0][1][0]  # type: ignore[index]
    assert query(db, "select count(*) from extensions.hypopg_create_index('create index on public.settings (id)')") \
        == [(0,)]
