-- What the API roles cannot reach: the scheduler's secrets in Vault, the pg_cron job that carries the
-- backup's command, the admin model, and the backups bucket itself. Checked for anon, a member and an
-- admin (an admin manages backups through the function, never through these objects).
begin;
select plan(30);

insert into auth.users (id, email) values
  ('a0000000-0000-4000-8000-000000000031', 'admin@secrets.test'),
  ('a0000000-0000-4000-8000-000000000032', 'member@secrets.test');
insert into public.user_roles (user_id, role) values ('a0000000-0000-4000-8000-000000000031', 'admin');
select vault.create_secret('scheduler-secret-value', 'auto_backup_cron_secret', 'test');
select cron.schedule('auto-backup', '0 2 * * *', 'select 1');

-- The same checks for each client identity.
create function pg_temp.check_client(who text, claims text) returns setof text language plpgsql as $$
begin
  perform set_config('request.jwt.claims', claims, true);
  return next throws_ok('select * from vault.secrets', '42501', null, who || ' cannot read vault.secrets');
  return next throws_ok('select * from vault.decrypted_secrets', '42501', null, who || ' cannot read decrypted secrets');
  return next throws_ok(
    $q$select vault.update_secret((select null::uuid), 'mine')$q$, '42501', null, who || ' cannot rotate a secret'
  );
  return next throws_ok($q$select vault.create_secret('x', 'y')$q$, '42501', null, who || ' cannot create a secret');
  return next throws_ok('select * from cron.job', '42501', null, who || ' cannot read the cron jobs');
  return next throws_ok(
    $q$select cron.schedule('auto-backup', '* * * * *', 'select 1')$q$, '42501', null, who || ' cannot change the job'
  );
  return next throws_ok($q$select cron.unschedule('auto-backup')$q$, '42501', null, who || ' cannot remove the job');
  return next is_empty(
    $q$select 1 from public.user_roles where user_id <> coalesce(auth.uid(), '00000000-0000-0000-0000-000000000000')$q$,
    who || ' reads nobody else''s roles'
  );
  return next is_empty(
    $q$delete from storage.buckets where id = 'backups' returning 1$q$, who || ' cannot delete the bucket'
  );
end
$$;

set local role anon;
select * from pg_temp.check_client('anon', '{"role": "anon"}');
reset role;

set local role authenticated;
select * from pg_temp.check_client(
  'a member', '{"sub": "a0000000-0000-4000-8000-000000000032", "role": "authenticated"}'
);
-- A member cannot promote themselves by editing their own row either.
update public.user_roles set role = 'admin' where user_id = 'a0000000-0000-4000-8000-000000000032';
reset role;

set local role authenticated;
select * from pg_temp.check_client(
  'an admin', '{"sub": "a0000000-0000-4000-8000-000000000031", "role": "authenticated"}'
);
-- Nor can an admin demote or remove another admin through the API.
delete from public.user_roles where user_id = 'a0000000-0000-4000-8000-000000000031';
reset role;

select results_eq(
  $$select count(*)::int from public.user_roles where role = 'admin'$$,
  array[1],
  'the role grants are unchanged by client attempts'
);
select results_eq(
  $$select decrypted_secret from vault.decrypted_secrets where name = 'auto_backup_cron_secret'$$,
  array['scheduler-secret-value'],
  'the scheduler secret is unchanged'
);

select results_eq(
  $$select public from storage.buckets where id = 'backups'$$,
  array[false],
  'the backups bucket is still there, still private'
);

select * from finish();
rollback;
