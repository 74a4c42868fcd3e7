-- Migration: the admin model and public.can_manage_backups()
--
-- Purpose: decide who may see and trigger backups. Lovable apps already ship the pattern
-- public.app_role (enum) + public.user_roles + public.has_role(uuid, app_role); this migration
-- creates each piece only when it is absent, so it applies both to a new project and to an existing
-- Lovable app without touching what is there. An app with its own role model redefines only
-- public.can_manage_backups().
-- Affected: type public.app_role, table public.user_roles, functions public.has_role and
-- public.can_manage_backups.

do $$
begin
  if not exists (
    select 1
    from pg_catalog.pg_type t
    join pg_catalog.pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'public' and t.typname = 'app_role'
  ) then
    create type public.app_role as enum ('admin', 'moderator', 'user');
  elsif not exists (
    select 1
    from pg_catalog.pg_enum e
    join pg_catalog.pg_type t on t.oid = e.enumtypid
    join pg_catalog.pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'public' and t.typname = 'app_role' and e.enumlabel = 'admin'
  ) then
    raise exception 'Cannot define public.can_manage_backups(): the existing type public.app_role has no "admin" value'
      using hint = 'Add it (alter type public.app_role add value ''admin'') or create public.can_manage_backups() for your own role model before this migration.';
  end if;
end
$$;

create table if not exists public.user_roles (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.app_role not null,
  unique (user_id, role)
);

-- Enabling row level security is idempotent; an existing app keeps its own policies.
alter table public.user_roles enable row level security;

comment on table public.user_roles is 'Roles granted to users (Lovable''s admin model); admins may manage backups.';
comment on column public.user_roles.user_id is 'The user (auth.users.id) holding the role.';
comment on column public.user_roles.role is 'The granted role.';

do $$
begin
  if to_regprocedure('public.has_role(uuid, public.app_role)') is null then
    -- Security definer so that RLS policies can call it without being able to read user_roles.
    create function public.has_role(_user_id uuid, _role public.app_role)
    returns boolean
    language sql
    stable
    security definer
    set search_path = ''
    as $body$
      select exists (
        select 1
        from public.user_roles ur
        where ur.user_id = _user_id
          and ur.role = _role
      )
    $body$;
    comment on function public.has_role(uuid, public.app_role) is 'True when the user holds the role.';
  end if;
end
$$;

create or replace function public.can_manage_backups()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(public.has_role((select auth.uid()), 'admin'::public.app_role), false)
$$;

comment on function public.can_manage_backups() is
  'True when the calling user may read backup runs and trigger backups. Redefine it to use another role model.';

revoke all on function public.can_manage_backups() from public;
grant execute on function public.can_manage_backups() to anon, authenticated, service_role;
