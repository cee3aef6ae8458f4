-- supakit shim, "explicit" exposure mode (Supabase's 2026 default).
--
-- Run as supabase_admin AFTER supabase.sql. Tables, sequences and functions
-- that `postgres` creates in `public` from now on are no longer granted to the
-- Data API roles automatically; a migration has to GRANT them itself.
-- These are the three statements Supabase runs when a project opts out of
-- automatic exposure. TRUNCATE, REFERENCES and TRIGGER on tables (and UPDATE
-- on sequences) stay in the default ACL, as on Supabase, and supabase_admin's
-- default privileges are untouched. Existing objects keep their grants.

alter default privileges for role postgres in schema public
    revoke select, insert, update, delete on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    revoke usage, select on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    revoke execute on functions from anon, authenticated, service_role;
