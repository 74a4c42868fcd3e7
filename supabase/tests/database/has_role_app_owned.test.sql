-- setup: lovable-app
-- An app's own has_role() keeps its privileges: only the function these migrations created is
-- restricted (the app's policies may run as anon, and revoking could break them).
begin;
select plan(3);

select ok(
  (select 'search_path=public' = any(proconfig) from pg_proc where oid = 'public.has_role(uuid, public.app_role)'::regprocedure),
  'the app''s own has_role() is still there'
);
select ok(
  has_function_privilege('anon', 'public.has_role(uuid, public.app_role)', 'execute'),
  'anon keeps execute on the app''s own has_role()'
);
select ok(
  has_function_privilege('authenticated', 'public.has_role(uuid, public.app_role)', 'execute'),
  'authenticated keeps execute on the app''s own has_role()'
);

select * from finish();
rollback;
