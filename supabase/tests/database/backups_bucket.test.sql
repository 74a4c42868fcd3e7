-- Storage bucket "backups": private, readable by admins only, writable by no client role.
begin;
select plan(13);

select results_eq(
  $$select public from storage.buckets where id = 'backups'$$,
  array[false],
  'the backups bucket exists and is private'
);
select policies_are('storage', 'objects', array['Admins can read backup files'], 'storage.objects has only the admin read policy');

insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
insert into storage.objects (bucket_id, name, metadata) values
  ('backups', 'backup-2026-11-23T02-00-00Z.json.gz', '{"size": 100}'),
  ('backups', 'backup-2026-11-24T02-00-00Z.json.gz', '{"size": 120}'),
  ('avatars', 'someone.png', '{"size": 5}');

insert into auth.users (id, email) values
  ('a0000000-0000-4000-8000-000000000021', 'admin@bucket.test'),
  ('a0000000-0000-4000-8000-000000000022', 'member@bucket.test');
insert into public.user_roles (user_id, role) values ('a0000000-0000-4000-8000-000000000021', 'admin');

-- Admin: reads the backup files (and only them: the policy is scoped to the bucket).
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000021", "role": "authenticated"}', true);
select results_eq(
  $$select name from storage.objects where bucket_id = 'backups' order by name$$,
  array['backup-2026-11-23T02-00-00Z.json.gz', 'backup-2026-11-24T02-00-00Z.json.gz'],
  'an admin reads the backup files'
);
select is_empty($$select * from storage.objects where bucket_id = 'avatars'$$, 'the backups policy opens no other bucket');
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

select * from finish();
rollback;
