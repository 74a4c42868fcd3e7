-- public.can_manage_backups() follows public.user_roles, for every kind of caller.
begin;
select plan(12);

insert into auth.users (id, email) values
  ('a0000000-0000-4000-8000-000000000001', 'admin@roles.test'),
  ('a0000000-0000-4000-8000-000000000002', 'member@roles.test'),
  ('a0000000-0000-4000-8000-000000000003', 'moderator@roles.test');
insert into public.user_roles (user_id, role) values
  ('a0000000-0000-4000-8000-000000000001', 'admin'),
  ('a0000000-0000-4000-8000-000000000003', 'moderator');

select has_function('public', 'can_manage_backups', '{}'::name[], 'public.can_manage_backups() exists');
select is_definer('public', 'can_manage_backups', '{}'::name[], 'can_manage_backups() is security definer');
select ok(
  (select 'search_path=""' = any(proconfig) from pg_proc where oid = 'public.can_manage_backups()'::regprocedure),
  'can_manage_backups() pins an empty search_path'
);
select has_function('public', 'has_role', array['uuid', 'app_role'], 'public.has_role(uuid, app_role) exists');

-- anon: no user at all.
set local role anon;
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select is(public.can_manage_backups(), false, 'anon cannot manage backups');
reset role;

-- An admin.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select is(public.can_manage_backups(), true, 'an admin can manage backups');
reset role;

-- A user without any role.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000002", "role": "authenticated"}', true);
select is(public.can_manage_backups(), false, 'a member cannot manage backups');
-- Nor grant themselves the admin role through the API.
select throws_ok(
  $$insert into public.user_roles (user_id, role) values ('a0000000-0000-4000-8000-000000000002', 'admin')$$,
  '42501',
  null,
  'a member cannot grant themselves the admin role'
);
reset role;

-- Another role is not enough.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000003", "role": "authenticated"}', true);
select is(public.can_manage_backups(), false, 'a moderator cannot manage backups');
reset role;

-- Granting and revoking the role changes the answer at once.
insert into public.user_roles (user_id, role) values ('a0000000-0000-4000-8000-000000000002', 'admin');
delete from public.user_roles where user_id = 'a0000000-0000-4000-8000-000000000001';

set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000002", "role": "authenticated"}', true);
select is(public.can_manage_backups(), true, 'a member granted the admin role can manage backups');
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select is(public.can_manage_backups(), false, 'an admin whose role was revoked can no longer manage backups');
-- A token for a user that does not exist.
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-0000000000ff", "role": "authenticated"}', true);
select is(public.can_manage_backups(), false, 'an unknown user cannot manage backups');
reset role;

select * from finish();
rollback;
