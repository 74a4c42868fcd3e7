-- Stand-in for Supabase's pg_net extension, for the local stack and the tests (neither embedded Postgres nor
-- Debian packages pg_net).
--
-- It recreates pg_net's request API as this project uses it: net.http_post and net.http_get with pg_net's
-- parameters and defaults, which queue the request in net.http_request_queue and return its id, and the
-- net._http_response table where responses land. Like pg_net, nothing is sent inside the transaction: the
-- dev process dev/cron/start-cron-runner.ts takes queued requests, sends them with fetch and records each
-- response (status, body, timed_out, error_msg) under the request's id. Query parameters (`params`) are
-- refused with an explicit error rather than encoded differently from pg_net: put them in the URL.
--
-- Nothing is created where the real pg_net is installed or installable. Safe to apply more than once.

do $stand_in$
begin
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_net is available in this database: its stand-in is not created';
    return;
  end if;

  create schema if not exists net;
  comment on schema net is 'Local stand-in for pg_net (dev/db/extensions/pg_net_stand_in.sql), sent by dev/cron/start-cron-runner.ts';
  revoke all on schema net from public;

  if to_regtype('net.http_method') is null then
    create type net.http_method as enum ('GET', 'POST', 'DELETE');
  end if;

  create table if not exists net.http_request_queue (
    id bigserial primary key,
    method net.http_method not null,
    url text not null,
    headers jsonb not null,
    body bytea,
    timeout_milliseconds integer not null
  );
  comment on table net.http_request_queue is 'pg_net stand-in: requests waiting to be sent';

  create table if not exists net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamptz not null default now()
  );
  comment on table net._http_response is 'pg_net stand-in: responses (or errors) of sent requests, by request id';

  create or replace function net._check_request(url text, params jsonb, headers jsonb, timeout_milliseconds integer)
  returns void
  language plpgsql immutable
  set search_path = ''
  as $fn$
  begin
    if url is null or url !~* '^https?://' then
      raise exception 'Cannot queue the HTTP request: the url "%" is not an http(s) URL', url;
    end if;
    if params is not null and params <> '{}'::jsonb then
      raise exception 'Cannot queue the HTTP request: the pg_net stand-in does not support params; put the query string in the url';
    end if;
    if headers is not null and pg_catalog.jsonb_typeof(headers) <> 'object' then
      raise exception 'Cannot queue the HTTP request: headers must be a JSON object';
    end if;
    if timeout_milliseconds is null or timeout_milliseconds <= 0 then
      raise exception 'Cannot queue the HTTP request: timeout_milliseconds must be positive';
    end if;
  end
  $fn$;

  -- Both request functions: checks the request, queues it, returns its id.
  create or replace function net._enqueue(
    method net.http_method,
    url text,
    params jsonb,
    headers jsonb,
    body bytea,
    timeout_milliseconds integer
  ) returns bigint
  language plpgsql
  set search_path = ''
  as $fn$
  declare
    request_id bigint;
  begin
    perform net._check_request(url, params, headers, timeout_milliseconds);
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values (method, url, coalesce(headers, '{}'::jsonb), body, timeout_milliseconds)
    returning id into request_id;
    return request_id;
  end
  $fn$;

  create or replace function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer default 5000
  ) returns bigint
  language sql
  set search_path = ''
  as $fn$
    select net._enqueue(
      'POST',
      url,
      params,
      headers,
      case when body is null then null else pg_catalog.convert_to(body::text, 'UTF8') end,
      timeout_milliseconds
    )
  $fn$;

  create or replace function net.http_get(
    url text,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{}'::jsonb,
    timeout_milliseconds integer default 5000
  ) returns bigint
  language sql
  set search_path = ''
  as $fn$
    select net._enqueue('GET', url, params, headers, null, timeout_milliseconds)
  $fn$;

  revoke all on all tables in schema net from public;
  revoke all on all sequences in schema net from public;
  revoke all on all functions in schema net from public;
end
$stand_in$;
