-- Migration: public.has_role() no longer executable by anon (only when this project created it)
--
-- Purpose: 20261124000001 creates public.has_role(uuid, app_role) when an app has none. Supabase's
-- default privileges then let every role execute it, so anyone holding the public anon key could call
-- /rest/v1/rpc/has_role and learn, user id by user id, who is an admin. Signed-in users keep it (an
-- app's RLS policies call it as `authenticated`), and can_manage_backups() is security definer, so it
-- calls has_role() as its owner whatever the caller's rights.
--
-- Only our own function is touched: it is recognised by its comment, its body, security definer and
-- its empty search_path, exactly as 20261124000001 writes them. An app's own has_role() (Lovable's
-- has `set search_path = public` and no comment) is left alone: its policies may run as anon, and
-- revoking there could break the app (a policy that calls a function anon may not execute fails the
-- whole query with "permission denied for function has_role").
-- Affected: privileges on function public.has_role(uuid, public.app_role).

do $$
declare
  fn regprocedure := to_regprocedure('public.has_role(uuid, public.app_role)');
begin
  if fn is null then
    return;
  end if;
  if not exists (
    select 1
    from pg_catalog.pg_proc p
    where p.oid = fn
      and p.prosecdef
      and p.proconfig = array['search_path=""']
      and pg_catalog.obj_description(p.oid, 'pg_proc') = 'True when the user holds the role.'
      and pg_catalog.btrim(pg_catalog.regexp_replace(p.prosrc, '\s+', ' ', 'g')) =
        'select exists ( select 1 from public.user_roles ur where ur.user_id = _user_id and ur.role = _role )'
  ) then
    raise notice 'public.has_role() belongs to the app (not created by these migrations): its privileges are left as they are';
    return;
  end if;
  revoke execute on function public.has_role(uuid, public.app_role) from public, anon;
  grant execute on function public.has_role(uuid, public.app_role) to authenticated, service_role;
end
$$;
