-- Storage bucket "backups": private, unreachable for every client role (admins download through the
-- function's `download` action); the download audit table is read by admins, written by no client.
begin;
select plan(21);

select results_eq(
  $$select public from storage.buckets where id = 'backups'$$,
  array[false],
  'the backups bucket exists and is private'
);
select policies_are(
  'storage', 'objects',
  array['Backups bucket: no client reads', 'Backups bucket: no client uploads',
        'Backups bucket: no client updates', 'Backups bucket: no client deletes'],
  'storage.objects has only the restrictive backups policies (no client read policy)'
);

insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
insert into storage.objects (bucket_id, name, metadata) values
  ('backups', 'backup-2026-11-23T02-00-00Z.json.gz', '{"size": 100}'),
  ('backups', 'backup-2026-11-24T02-00-00Z.json.gz', '{"size": 120}'),
  ('avatars', 'someone.png', '{"size": 5}');

insert into auth.users (id, email) values
  ('a0000000-0000-4000-8000-000000000021', 'admin@bucket.test'),
  ('a0000000-0000-4000-8000-000000000022', 'member@bucket.test');
insert into public.user_roles (user_id, role) values ('a0000000-0000-4000-8000-000000000021', 'admin');

-- Admin: no read either (downloads go through the function, which signs with the service key).
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000021", "role": "authenticated"}', true);
select is_empty($$select * from storage.objects where bucket_id = 'backups'$$, 'an admin reads no backup file');
select is_empty($$select * from storage.objects where bucket_id = 'avatars'$$, 'the migrations open no other bucket');
select throws_ok(
  $$insert into storage.objects (bucket_id, name) values ('backups', 'planted.json.gz')$$,
  '42501',
  null,
  'an admin cannot upload into the backups bucket'
);
-- Without update or delete policies these statements match no row.
update storage.objects set name = 'renamed.json.gz' where bucket_id = 'backups';
delete from storage.objects where bucket_id = 'backups';
reset role;
select results_eq(
  $$select count(*)::int from storage.objects where bucket_id = 'backups' and name like 'backup-%'$$,
  array[2],
  'an admin can neither rename nor delete backup files'
);

-- Member: nothing.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000022", "role": "authenticated"}', true);
select is_empty($$select * from storage.objects where bucket_id = 'backups'$$, 'a member reads no backup file');
select throws_ok(
  $$insert into storage.objects (bucket_id, name) values ('backups', 'planted.json.gz')$$,
  '42501',
  null,
  'a member cannot upload into the backups bucket'
);
delete from storage.objects where bucket_id = 'backups';
reset role;
select results_eq(
  $$select count(*)::int from storage.objects where bucket_id = 'backups'$$,
  array[2],
  'a member cannot delete backup files'
);

-- anon: nothing.
set local role anon;
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select is_empty($$select * from storage.objects where bucket_id = 'backups'$$, 'anon reads no backup file');
select throws_ok(
  $$insert into storage.objects (bucket_id, name) values ('backups', 'planted.json.gz')$$,
  '42501',
  null,
  'anon cannot upload into the backups bucket'
);
reset role;

-- Clients cannot make the bucket public either.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000021", "role": "authenticated"}', true);
update storage.buckets set public = true where id = 'backups';
reset role;
select results_eq($$select public from storage.buckets where id = 'backups'$$, array[false], 'an admin cannot make the bucket public');

-- The service role (the backup function) writes there.
set local role service_role;
select lives_ok(
  $$insert into storage.objects (bucket_id, name) values ('backups', 'backup-2026-11-25T02-00-00Z.json.gz')$$,
  'the service role can store a backup file'
);
reset role;

-- public.backup_downloads: the download audit.
select has_table('public', 'backup_downloads', 'the download audit table exists');
select ok(
  (select relrowsecurity from pg_class where oid = 'public.backup_downloads'::regclass),
  'RLS is on for backup_downloads'
);
select policies_are('public', 'backup_downloads', array['Admins can read backup downloads'], 'one read policy');
insert into public.backup_runs (id, trigger, status, file_name, storage_path, storage_status)
values ('a0000000-0000-4000-8000-0000000000d1', 'manual', 'success', 'backup-2026-11-24T02-00-00Z.json.gz',
        'backup-2026-11-24T02-00-00Z.json.gz', 'success');
insert into public.backup_downloads (run_id, storage_path, requested_by, expires_at)
values ('a0000000-0000-4000-8000-0000000000d1', 'backup-2026-11-24T02-00-00Z.json.gz',
        'a0000000-0000-4000-8000-000000000021', now() + interval '300 seconds');

set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000021", "role": "authenticated"}', true);
select results_eq($$select count(*)::int from public.backup_downloads$$, array[1], 'an admin reads the downloads');
select throws_ok(
  $$insert into public.backup_downloads (storage_path, expires_at) values ('x', now())$$,
  '42501', null,
  'an admin cannot forge a download record'
);
select throws_ok(
  $$delete from public.backup_downloads$$,
  '42501', null,
  'an admin cannot erase the download records'
);
reset role;
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000022", "role": "authenticated"}', true);
select is_empty($$select * from public.backup_downloads$$, 'a member reads no download record');
reset role;
set local role anon;
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select throws_ok($$select * from public.backup_downloads$$, '42501', null, 'anon cannot even query the downloads');
reset role;

select * from finish();
rollback;
