-- Scheduling: enable pg_cron (the job scheduler) and pg_net (asynchronous HTTP from SQL) where this Postgres
-- provides them, the way Supabase expects them: pg_cron in pg_catalog (its schema is "cron"), pg_net in the
-- "extensions" schema (its schema is "net").
--
-- The nightly job itself is not created here: the function's `schedule` action creates, replaces or removes
-- the pg_cron job "auto-backup" (supabase/functions/_shared/backup/schedule.ts), with the project URL and
-- its secret kept in Vault. This migration grants nothing to clients (anon, authenticated).
--
-- Where an extension is missing (plain Postgres, the local stack's embedded Postgres) it is left alone:
-- the local stack provides stand-ins (dev/db/extensions/), and elsewhere the `schedule` action answers
-- with a clear error.

do $enable$
declare
  client_role text;
  created_pg_net boolean := false;
begin
  -- pg_cron can only be created in the database named by cron.database_name ("postgres" on Supabase),
  -- and only once its library is preloaded; anywhere else, creating it would fail.
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron')
    and exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron') then
    if pg_catalog.to_regnamespace('cron') is not null then
      raise notice 'pg_cron not enabled: a "cron" schema already exists (the local stand-in?)';
    elsif pg_catalog.current_setting('cron.database_name', true) is null then
      raise notice 'pg_cron not enabled: its library is not in shared_preload_libraries';
    elsif pg_catalog.current_setting('cron.database_name', true) <> pg_catalog.current_database() then
      raise notice 'pg_cron not enabled: it can only be created in database "%" (cron.database_name)',
        pg_catalog.current_setting('cron.database_name', true);
    else
      create extension if not exists pg_cron with schema pg_catalog;
    end if;
  end if;

  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_net')
    and exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_net') then
    if pg_catalog.to_regnamespace('net') is not null then
      raise notice 'pg_net not enabled: a "net" schema already exists (the local stand-in?)';
    else
      create schema if not exists extensions;
      create extension if not exists pg_net with schema extensions;
      created_pg_net := true;
    end if;
  end if;

  -- Clients have no business with the scheduler: its jobs, run history and commands stay out of reach.
  -- On net, only a pg_net this migration just enabled is closed to clients: an app whose own triggers
  -- already call net.http_post as the signed-in user keeps working (Supabase grants net to clients).
  foreach client_role in array array['anon', 'authenticated'] loop
    continue when not exists (select 1 from pg_catalog.pg_roles where rolname = client_role);
    if pg_catalog.to_regnamespace('cron') is not null then
      execute pg_catalog.format('revoke all on schema cron from %I', client_role);
      execute pg_catalog.format('revoke all on all tables in schema cron from %I', client_role);
      execute pg_catalog.format('revoke all on all functions in schema cron from %I', client_role);
    end if;
    if created_pg_net then
      execute pg_catalog.format('revoke all on schema net from %I', client_role);
      execute pg_catalog.format('revoke all on all tables in schema net from %I', client_role);
      execute pg_catalog.format('revoke all on all functions in schema net from %I', client_role);
    end if;
  end loop;
end
$enable$;
