-- public.backup_runs: shape, defaults, constraints, one run at a time, and who may read or write.
begin;
select plan(36);

select has_table('public', 'backup_runs', 'public.backup_runs exists');
select columns_are('public', 'backup_runs', array[
  'id', 'trigger', 'requested_by', 'status', 'phase', 'started_at', 'heartbeat_at', 'finished_at',
  'file_name', 'size_bytes', 'row_count', 'table_count', 'tables', 'sha256', 'quick_xor_hash',
  'storage_path', 'storage_status', 'onedrive_status', 'onedrive_item_id', 'onedrive_web_url',
  'bytes_uploaded', 'error', 'error_code', 'storage_deleted_at', 'onedrive_deleted_at', 'onedrive_drive_id'
], 'backup_runs has exactly the columns of the design');
select col_type_is('public', 'backup_runs', 'storage_deleted_at', 'timestamp with time zone', 'storage_deleted_at is timestamptz');
select col_type_is('public', 'backup_runs', 'onedrive_deleted_at', 'timestamp with time zone', 'onedrive_deleted_at is timestamptz');
select has_index('public', 'backup_runs', 'backup_runs_heartbeat_at_idx', 'the rate limit reads heartbeat_at through an index');
select ok(
  (select bool_and(col_description('public.backup_runs'::regclass, attnum) is not null)
   from pg_attribute where attrelid = 'public.backup_runs'::regclass
     and attname in ('storage_deleted_at', 'onedrive_deleted_at', 'onedrive_drive_id')),
  'the retention columns are commented'
);
select col_type_is('public', 'backup_runs', 'id', 'uuid', 'id is a uuid');
select col_type_is('public', 'backup_runs', 'tables', 'jsonb', 'tables is jsonb');
select col_type_is('public', 'backup_runs', 'started_at', 'timestamp with time zone', 'started_at is timestamptz');
select col_type_is('public', 'backup_runs', 'size_bytes', 'bigint', 'size_bytes is bigint');
select ok(
  (select relrowsecurity from pg_class where oid = 'public.backup_runs'::regclass),
  'row level security is enabled on backup_runs'
);
select policies_are('public', 'backup_runs', array['Admins can read backup runs'], 'backup_runs has only the admin read policy');
select has_index('public', 'backup_runs', 'backup_runs_started_at_idx', 'the history index exists');

-- Defaults: a run starts as running, both destinations pending.
insert into public.backup_runs (id, trigger) values ('b0000000-0000-4000-8000-000000000001', 'cli');
select results_eq(
  $$select status, storage_status, onedrive_status, started_at is not null, heartbeat_at is not null, finished_at is null
    from public.backup_runs where id = 'b0000000-0000-4000-8000-000000000001'$$,
  $$values ('running'::text, 'pending'::text, 'pending'::text, true, true, true)$$,
  'a new run is running with both destinations pending'
);

-- One run at a time.
select throws_ok(
  $$insert into public.backup_runs (trigger) values ('manual')$$,
  '23505',
  null,
  'a second running run is refused'
);
update public.backup_runs
set status = 'success', storage_status = 'success', onedrive_status = 'skipped', finished_at = now()
where id = 'b0000000-0000-4000-8000-000000000001';
select lives_ok(
  $$insert into public.backup_runs (id, trigger) values ('b0000000-0000-4000-8000-000000000002', 'schedule')$$,
  'a new run may start once the previous one finished'
);

-- The enumerations are enforced.
select throws_ok($$insert into public.backup_runs (trigger, status) values ('nightly', 'failed')$$, '23514', null, 'an unknown trigger is refused');
select throws_ok($$insert into public.backup_runs (trigger, status) values ('cli', 'done')$$, '23514', null, 'an unknown status is refused');
select throws_ok($$insert into public.backup_runs (trigger, status, phase) values ('cli', 'failed', 'zipping')$$, '23514', null, 'an unknown phase is refused');
select throws_ok($$insert into public.backup_runs (trigger, status, storage_status) values ('cli', 'failed', 'ok')$$, '23514', null, 'an unknown storage status is refused');
select throws_ok($$insert into public.backup_runs (trigger, status, onedrive_status) values ('cli', 'failed', 'ok')$$, '23514', null, 'an unknown OneDrive status is refused');
select throws_ok($$insert into public.backup_runs (trigger, status, size_bytes) values ('cli', 'failed', -1)$$, '23514', null, 'a negative size is refused');

insert into public.backup_runs (trigger, status, finished_at, error, error_code)
values ('manual', 'failed', now(), 'Cannot export table "public.x": permission denied', 'export_failed');

insert into auth.users (id, email) values
  ('a0000000-0000-4000-8000-000000000011', 'admin@runs.test'),
  ('a0000000-0000-4000-8000-000000000012', 'member@runs.test');
insert into public.user_roles (user_id, role) values ('a0000000-0000-4000-8000-000000000011', 'admin');

-- An admin reads every run, and cannot write any.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000011", "role": "authenticated"}', true);
select results_eq('select count(*)::int from public.backup_runs', array[3], 'an admin reads every run');
select throws_ok($$insert into public.backup_runs (trigger, status) values ('manual', 'failed')$$, '42501', null, 'an admin cannot insert a run');
select throws_ok($$update public.backup_runs set status = 'failed'$$, '42501', null, 'an admin cannot update a run');
select throws_ok($$delete from public.backup_runs$$, '42501', null, 'an admin cannot delete a run');
reset role;

-- A member reads nothing and writes nothing.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000012", "role": "authenticated"}', true);
select is_empty('select * from public.backup_runs', 'a member reads no run');
select throws_ok($$insert into public.backup_runs (trigger, status) values ('manual', 'failed')$$, '42501', null, 'a member cannot insert a run');
select throws_ok($$update public.backup_runs set status = 'failed'$$, '42501', null, 'a member cannot update a run');
select throws_ok($$delete from public.backup_runs$$, '42501', null, 'a member cannot delete a run');
reset role;

-- anon has no access at all.
set local role anon;
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select throws_ok('select * from public.backup_runs', '42501', null, 'anon cannot read runs');
select throws_ok($$insert into public.backup_runs (trigger, status) values ('manual', 'failed')$$, '42501', null, 'anon cannot insert a run');
select throws_ok($$update public.backup_runs set status = 'failed'$$, '42501', null, 'anon cannot update a run');
select throws_ok($$delete from public.backup_runs$$, '42501', null, 'anon cannot delete a run');
reset role;

-- The service role (used by server code only) bypasses RLS.
set local role service_role;
select results_eq('select count(*)::int from public.backup_runs', array[3], 'the service role reads every run');
reset role;

-- Deleting a user keeps the history of the runs they requested.
update public.backup_runs set requested_by = 'a0000000-0000-4000-8000-000000000011' where trigger = 'manual';
delete from auth.users where id = 'a0000000-0000-4000-8000-000000000011';
select results_eq(
  $$select count(*)::int from public.backup_runs where trigger = 'manual' and requested_by is null$$,
  array[1],
  'runs outlive the user who requested them'
);

select * from finish();
rollback;
