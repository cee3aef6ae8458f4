-- supakit stub: pg_cron
-- version: 1.6
-- schema: pg_catalog
-- relocatable: false
-- supports: schema cron with cron.schedule (with and without a job name; a named job is replaced), cron.schedule_in_database, cron.unschedule (by id or name), cron.alter_job, the cron.job and cron.job_run_details tables; schedules are checked for a valid form (five fields, '<n> seconds', or @hourly/@daily/...).
-- lacks: jobs never run, so cron.job_run_details stays empty.
--
-- Used only when the server has no pg_cron package. Like supautils on Supabase, the extension
-- always lands in pg_catalog whatever WITH SCHEMA says; its objects live in schema cron.

create schema if not exists cron;

create table cron.job (
    jobid    bigserial primary key,
    schedule text not null,
    command  text not null,
    nodename text not null default 'localhost',
    nodeport integer not null default coalesce(inet_server_port(), 5432),
    database text not null default current_database(),
    username text not null default current_user,
    active   boolean not null default true,
    jobname  text,
    constraint jobname_username_uniq unique (jobname, username)
);

create table cron.job_run_details (
    jobid          bigint,
    runid          bigserial primary key,
    job_pid        integer,
    database       text,
    username       text,
    command        text,
    status         text,
    return_message text,
    start_time     timestamptz,
    end_time       timestamptz
);

create function cron._check_schedule(schedule text)
returns text
language plpgsql immutable strict
set search_path = pg_catalog, pg_temp
as $$
begin
    if schedule ~ '^\s*(\S+\s+){4}\S+\s*$'
       or schedule ~* '^\s*[1-5]?[0-9]\s+seconds?\s*$'
       or schedule ~* '^\s*@(yearly|annually|monthly|weekly|daily|midnight|hourly|reboot)\s*$' then
        return trim(schedule);
    end if;
    raise exception 'invalid schedule: %', schedule
        using errcode = '22023', hint = 'Use cron syntax (five fields), ''<n> seconds'' or @hourly/@daily/...';
end
$$;

create function cron.schedule_in_database(job_name text, schedule text, command text, database text,
                                          username text default null, active boolean default true)
returns bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    id bigint;
begin
    insert into cron.job (schedule, command, database, username, active, jobname)
    values (cron._check_schedule(schedule_in_database.schedule), schedule_in_database.command,
            schedule_in_database.database, coalesce(schedule_in_database.username, current_user),
            schedule_in_database.active, job_name)
    on conflict (jobname, username) do update
        set schedule = excluded.schedule, command = excluded.command, database = excluded.database,
            active = excluded.active
    returning jobid into id;
    return id;
end
$$;

create function cron.schedule(job_name text, schedule text, command text)
returns bigint
language sql
set search_path = pg_catalog, pg_temp
as $$ select cron.schedule_in_database(job_name, schedule, command, current_database()) $$;

create function cron.schedule(schedule text, command text)
returns bigint
language sql
set search_path = pg_catalog, pg_temp
as $$ select cron.schedule_in_database(null, schedule, command, current_database()) $$;

create function cron.unschedule(job_id bigint)
returns boolean
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from cron.job where jobid = job_id;
    if not found then
        raise exception 'could not find valid entry for job %', job_id using errcode = '22023';
    end if;
    return true;
end
$$;

create function cron.unschedule(job_name text)
returns boolean
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from cron.job where jobname = job_name and username = current_user;
    if not found then
        raise exception 'could not find valid entry for job ''%''', job_name using errcode = '22023';
    end if;
    return true;
end
$$;

create function cron.alter_job(job_id bigint, schedule text default null, command text default null,
                               database text default null, username text default null,
                               active boolean default null)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    update cron.job j
       set schedule = coalesce(cron._check_schedule(alter_job.schedule), j.schedule),
           command = coalesce(alter_job.command, j.command),
           database = coalesce(alter_job.database, j.database),
           username = coalesce(alter_job.username, j.username),
           active = coalesce(alter_job.active, j.active)
     where j.jobid = job_id;
    if not found then
        raise exception 'could not find valid entry for job %', job_id using errcode = '22023';
    end if;
end
$$;

alter table cron.job enable row level security;
alter table cron.job_run_details enable row level security;
create policy cron_job_policy on cron.job using (username = current_user);
create policy cron_job_run_details_policy on cron.job_run_details using (username = current_user);

grant usage on schema cron to postgres;
grant all on all tables in schema cron to postgres with grant option;
grant all on all sequences in schema cron to postgres with grant option;
grant execute on all functions in schema cron to postgres;
