-- The has_role() this project creates cannot be called by anon (nor through PUBLIC); signed-in users
-- and can_manage_backups() still use it.
begin;
select plan(8);

insert into auth.users (id, email) values
  ('d0000000-0000-4000-8000-000000000001', 'admin@has-role.test'),
  ('d0000000-0000-4000-8000-000000000002', 'member@has-role.test');
insert into public.user_roles (user_id, role) values ('d0000000-0000-4000-8000-000000000001', 'admin');

select ok(
  not has_function_privilege('anon', 'public.has_role(uuid, public.app_role)', 'execute'),
  'anon cannot execute our has_role()'
);
select ok(
  not exists (
    select 1 from pg_proc p, aclexplode(p.proacl) a
    where p.oid = 'public.has_role(uuid, public.app_role)'::regprocedure
      and a.grantee = 0 and a.privilege_type = 'EXECUTE'
  ),
  'PUBLIC holds no execute grant on our has_role()'
);
select ok(
  has_function_privilege('authenticated', 'public.has_role(uuid, public.app_role)', 'execute'),
  'signed-in users can still execute has_role() (apps'' policies call it)'
);

-- Through the API: /rest/v1/rpc/has_role as anon is refused, so admins cannot be enumerated.
set local role anon;
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select throws_ok(
  $$select public.has_role('d0000000-0000-4000-8000-000000000001', 'admin')$$,
  '42501',
  null,
  'anon calling has_role() gets permission denied'
);
select is(public.can_manage_backups(), false, 'anon still gets false from can_manage_backups()');
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "d0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select is(public.can_manage_backups(), true, 'an admin still can manage backups');
select is(
  public.has_role('d0000000-0000-4000-8000-000000000001', 'admin'),
  true,
  'a signed-in user can call has_role()'
);
select set_config('request.jwt.claims', '{"sub": "d0000000-0000-4000-8000-000000000002", "role": "authenticated"}', true);
select is(public.can_manage_backups(), false, 'a member still cannot manage backups');
reset role;

select * from finish();
rollback;
