-- setup: open-backups-app
-- On an app whose own policies open the "backups" bucket to everyone (a role-less "for all" policy,
-- a catch-all for signed-in users, a public bucket, clients allowed to change buckets), the
-- migrations close it: anon, members, admins and custom roles can neither list, read, upload,
-- rename nor delete there, nor make the bucket public or delete it. The app's policies are kept
-- and still work for its other buckets; the service role (the backup function) still writes.
begin;
select plan(24);

select results_eq(
  $$select public from storage.buckets where id = 'backups'$$,
  array[false],
  'the public backups bucket was made private'
);
select policies_are(
  'storage', 'objects',
  array[
    'Admin can manage backups', 'Signed-in users manage files',
    'Backups bucket: no client reads', 'Backups bucket: no client uploads',
    'Backups bucket: no client updates', 'Backups bucket: no client deletes'
  ],
  'the app''s policies are kept next to the restrictive ones'
);
select is(
  (select count(*)::int from pg_policies
   where schemaname = 'storage' and tablename = 'objects' and policyname like 'Backups bucket:%'
     and permissive = 'RESTRICTIVE' and roles = array['public']::name[]),
  4,
  'the four policies on storage.objects are restrictive and apply to every role'
);
select is(
  (select count(*)::int from pg_policies
   where schemaname = 'storage' and tablename = 'buckets' and policyname like 'Backups bucket:%'
     and permissive = 'RESTRICTIVE'),
  3,
  'three restrictive policies guard the bucket row'
);

insert into public.user_roles (user_id, role) values ('d0000000-0000-4000-8000-000000000001', 'admin');
insert into storage.buckets (id, name, public) values ('avatars', 'avatars', false);
-- A custom role an app may have created for its own API users.
create role open_app_custom nologin;
grant usage on schema storage, extensions, public to open_app_custom;
grant all on storage.objects, storage.buckets to open_app_custom;

-- One block of checks per client role.
-- A role that sees no avatars row (anon, the custom role) moves nothing: the final count checks that.
create function pg_temp.probe(who text) returns setof text language plpgsql as $fn$
begin
  return next is_empty(
    $$select name from storage.objects where bucket_id = 'backups'$$,
    who || ' lists or reads no backup file'
  );
  return next throws_ok(
    $$insert into storage.objects (bucket_id, name) values ('backups', 'backup-2099-01-01T00-00-00Z.json.gz')$$,
    '42501', null,
    who || ' cannot plant a backup-2099 file'
  );
  return next throws_ok(
    $$insert into storage.objects (bucket_id, name) values ('backups', 'backup-2026-11-20T02-00-00Z.json.gz')
      on conflict (bucket_id, name) do update set metadata = '{"size": 1}'$$,
    '42501', null,
    who || ' cannot overwrite a backup by upsert'
  );
  if exists (select 1 from storage.objects where bucket_id = 'avatars') then
    return next throws_ok(
      $$update storage.objects set bucket_id = 'backups' where bucket_id = 'avatars'$$,
      '42501', null,
      who || ' cannot move a file into the bucket'
    );
  else
    update storage.objects set bucket_id = 'backups' where bucket_id = 'avatars';
  end if;
end
$fn$;
grant execute on function pg_temp.probe(text) to public;

insert into storage.objects (bucket_id, name) values ('avatars', 'a.png');

set local role anon;
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select * from pg_temp.probe('anon');
update storage.objects set name = 'renamed.json.gz' where bucket_id = 'backups';
delete from storage.objects where bucket_id = 'backups';
update storage.buckets set public = true where id = 'backups';
delete from storage.buckets where id = 'backups';
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "d0000000-0000-4000-8000-000000000002", "role": "authenticated"}', true);
select * from pg_temp.probe('a member');
update storage.objects set name = 'renamed.json.gz' where bucket_id = 'backups';
delete from storage.objects where bucket_id = 'backups';
update storage.buckets set public = true where id = 'backups';
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "d0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select ok((select public.can_manage_backups()), 'the admin is an admin');
select * from pg_temp.probe('an admin');
update storage.objects set name = 'renamed.json.gz' where bucket_id = 'backups';
delete from storage.objects where bucket_id = 'backups';
update storage.buckets set public = true where id = 'backups';
delete from storage.buckets where id = 'backups';
-- The app's own policies still work elsewhere.
select lives_ok(
  $$insert into storage.objects (bucket_id, name) values ('avatars', 'admin.png')$$,
  'the app''s catch-all policy still opens its other buckets'
);
reset role;

set local role open_app_custom;
select set_config('request.jwt.claims', '{"role": "open_app_custom"}', true);
select * from pg_temp.probe('a custom role');
delete from storage.objects where bucket_id = 'backups';
update storage.buckets set public = true where id = 'backups';
reset role;

select results_eq(
  $$select name from storage.objects where bucket_id = 'backups'$$,
  array['backup-2026-11-20T02-00-00Z.json.gz'],
  'no client renamed, deleted or planted a backup file'
);
select results_eq(
  $$select public from storage.buckets where id = 'backups'$$,
  array[false],
  'no client made the bucket public or deleted it'
);

set local role service_role;
select lives_ok(
  $$insert into storage.objects (bucket_id, name) values ('backups', 'backup-2026-11-21T02-00-00Z.json.gz')$$,
  'the service role stores a backup file'
);
select lives_ok(
  $$delete from storage.objects where bucket_id = 'backups' and name = 'backup-2026-11-21T02-00-00Z.json.gz'$$,
  'the service role deletes one'
);
reset role;

select * from finish();
rollback;
