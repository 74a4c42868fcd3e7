-- Stand-in for Supabase's pg_cron extension, for the local stack only (embedded Postgres has no pg_cron).
--
-- It recreates the part of pg_cron's SQL interface this project and its docs use, with pg_cron's names,
-- signatures and behaviour: the tables cron.job and cron.job_run_details, cron.schedule (upsert by job name
-- for the current user, returns the job id), cron.unschedule by id or by name (an error when no such job),
-- and cron.alter_job (pause and resume). Unlike pg_cron it runs nothing by itself: the dev process
-- dev/cron/start-cron-runner.ts evaluates the schedules at each minute (UTC), runs due commands and records
-- them in cron.job_run_details. Schedules are checked here for their shape only (five fields); the runner
-- evaluates them with croner.
--
-- Nothing is created where the real pg_cron is installed or can be installed in this database (pg_cron
-- can only live in the database named by cron.database_name), so a real server keeps the real thing.
-- Safe to apply more than once.

do $stand_in$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron')
    or (
      exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron')
      and pg_catalog.current_database() = pg_catalog.current_setting('cron.database_name', true)
    ) then
    raise notice 'pg_cron is available in this database: its stand-in is not created';
    return;
  end if;

  create schema if not exists cron;
  comment on schema cron is 'Local stand-in for pg_cron (dev/db/extensions/pg_cron_stand_in.sql), run by dev/cron/start-cron-runner.ts';
  -- pg_cron grants nothing on its schema to clients; neither does the stand-in.
  revoke all on schema cron from public;

  create table if not exists cron.job (
    jobid bigserial primary key,
    schedule text not null,
    command text not null,
    nodename text not null default 'localhost',
    nodeport integer not null default coalesce(pg_catalog.inet_server_port(), pg_catalog.current_setting('port')::integer),
    database text not null default pg_catalog.current_database(),
    username text not null default current_user,
    active boolean not null default true,
    jobname name,
    constraint jobname_username_uniq unique (jobname, username)
  );
  comment on table cron.job is 'pg_cron stand-in: scheduled jobs, as pg_cron''s cron.job';

  create table if not exists cron.job_run_details (
    jobid bigint,
    runid bigserial primary key,
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
  );
  comment on table cron.job_run_details is 'pg_cron stand-in: one row per job run, written by dev/cron/start-cron-runner.ts';

  -- Shape check only: five space-separated fields of cron characters, as the runner expects.
  create or replace function cron._check_schedule(schedule text) returns void
  language plpgsql immutable
  set search_path = ''
  as $fn$
  begin
    if schedule is null
      or schedule !~ '^\s*[0-9A-Za-z*,/-]+(\s+[0-9A-Za-z*,/-]+){4}\s*$' then
      raise exception 'invalid schedule: %', schedule
        using hint = 'The pg_cron stand-in accepts five-field cron expressions (minute hour day month weekday, UTC).';
    end if;
  end
  $fn$;

  create or replace function cron.schedule(job_name text, schedule text, command text) returns bigint
  language plpgsql strict
  set search_path = ''
  as $fn$
  declare
    result bigint;
  begin
    perform cron._check_schedule(schedule);
    -- pg_cron upserts a named job of the same user, keeping its id and its active flag.
    insert into cron.job (jobname, schedule, command)
    values (job_name, schedule, command)
    on conflict on constraint jobname_username_uniq
    do update set schedule = excluded.schedule, command = excluded.command
    returning jobid into result;
    return result;
  end
  $fn$;

  create or replace function cron.schedule(schedule text, command text) returns bigint
  language sql strict
  set search_path = ''
  as $fn$
    select cron._check_schedule(schedule);
    insert into cron.job (schedule, command) values (schedule, command) returning jobid;
  $fn$;

  -- pg_cron's answer when unschedule finds no job the caller may remove.
  create or replace function cron._job_removed(removed boolean, job text) returns boolean
  language plpgsql immutable
  set search_path = ''
  as $fn$
  begin
    if not removed then
      raise exception 'could not find valid entry for job %', job;
    end if;
    return true;
  end
  $fn$;

  create or replace function cron.unschedule(job_id bigint) returns boolean
  language plpgsql strict
  set search_path = ''
  as $fn$
  begin
    -- As pg_cron: superusers may remove anyone's job, others only their own.
    delete from cron.job
    where jobid = job_id
      and (username = current_user
        or (select rolsuper from pg_catalog.pg_roles where rolname = current_user));
    return cron._job_removed(found, job_id::text);
  end
  $fn$;

  create or replace function cron.unschedule(job_name name) returns boolean
  language plpgsql strict
  set search_path = ''
  as $fn$
  begin
    delete from cron.job where jobname = job_name and username = current_user;
    return cron._job_removed(found, '''' || job_name || '''');
  end
  $fn$;

  create or replace function cron.alter_job(
    job_id bigint,
    schedule text default null,
    command text default null,
    database text default null,
    username text default null,
    active boolean default null
  ) returns void
  language plpgsql
  set search_path = ''
  as $fn$
  begin
    if schedule is not null then
      perform cron._check_schedule(schedule);
    end if;
    update cron.job j
    set schedule = coalesce(alter_job.schedule, j.schedule),
        command = coalesce(alter_job.command, j.command),
        database = coalesce(alter_job.database, j.database),
        username = coalesce(alter_job.username, j.username),
        active = coalesce(alter_job.active, j.active)
    where j.jobid = job_id;
    if not found then
      raise exception 'could not find valid entry for job %', job_id;
    end if;
  end
  $fn$;

  revoke all on all tables in schema cron from public;
  revoke all on all functions in schema cron from public;
end
$stand_in$;
