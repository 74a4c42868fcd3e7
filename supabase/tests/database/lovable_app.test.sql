-- setup: lovable-app
-- The migrations apply on an existing Lovable app (app_role, user_roles, has_role already there)
-- and leave its admin model as it was.
begin;
select plan(10);

select ok(
  (select count(*) from supabase_migrations.schema_migrations
   where version in ('20261124000001', '20261124000002', '20261124000003')) = 3,
  'the migrations applied on an existing Lovable app'
);
select enum_has_labels('public', 'app_role', array['admin', 'moderator', 'user'], 'the existing app_role is unchanged');
select ok(
  (select 'search_path=public' = any(proconfig) from pg_proc where oid = 'public.has_role(uuid, public.app_role)'::regprocedure),
  'the existing has_role() was kept, not replaced'
);
select policies_are(
  'public', 'user_roles', array['Users can view their own roles', 'Admins can manage roles'],
  'the existing user_roles policies are kept'
);
select results_eq(
  $$select count(*)::int from public.user_roles$$,
  array[2],
  'the existing role grants are kept'
);
select has_table('public', 'backup_runs', 'backup_runs was created');

insert into public.backup_runs (trigger, status, finished_at) values ('schedule', 'success', now());

set local role authenticated;
select set_config('request.jwt.claims', '{"sub": "c0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select is(public.can_manage_backups(), true, 'the app''s existing admin can manage backups');
select results_eq('select count(*)::int from public.backup_runs', array[1], 'the app''s existing admin reads backup runs');
select set_config('request.jwt.claims', '{"sub": "c0000000-0000-4000-8000-000000000002", "role": "authenticated"}', true);
select is(public.can_manage_backups(), false, 'the app''s other users cannot manage backups');
select is_empty('select * from public.backup_runs', 'the app''s other users read no backup run');
reset role;

select * from finish();
rollback;
