-- Migration: lock the Storage bucket "backups" against every client role, whatever policies exist
--
-- Purpose: existing apps ship broad Storage policies, e.g.
--   create policy "Admin can manage backups" on storage.objects for all using (bucket_id = 'backups');
-- (no role: it applies to anon too) or `for all to authenticated using (true)`. Permissive policies
-- are OR-ed together, so one such policy opens every backup to anyone holding the public key.
-- RESTRICTIVE policies are AND-ed with all of them: the ones below make the bucket unreachable for
-- every role subject to RLS (anon, authenticated, any custom role), for select, insert, update and
-- delete alike. Only roles that bypass RLS reach it: service_role (the backup function) and the
-- database owner. Admins download through the function's `download` action, which signs a 300 s
-- URL with the service key and records who asked (public.backup_downloads).
-- The same is done on storage.buckets: no client may make "backups" public, rename it, delete it
-- or create it.
-- Affected: storage.objects (policy "Admins can read backup files" dropped; four restrictive
-- policies), storage.buckets (three restrictive policies; "backups" private again), table
-- public.backup_downloads (new).

-- Anything made public since the first migration is made private again.
update storage.buckets set public = false where id = 'backups' and public;

-- Downloads now go through the function only: no client reads the bucket, admins included.
drop policy if exists "Admins can read backup files" on storage.objects;

create policy "Backups bucket: no client reads"
on storage.objects
as restrictive
for select
to public
using (bucket_id is distinct from 'backups');

create policy "Backups bucket: no client uploads"
on storage.objects
as restrictive
for insert
to public
with check (bucket_id is distinct from 'backups');

-- Neither in place nor by moving an object into or out of the bucket.
create policy "Backups bucket: no client updates"
on storage.objects
as restrictive
for update
to public
using (bucket_id is distinct from 'backups')
with check (bucket_id is distinct from 'backups');

create policy "Backups bucket: no client deletes"
on storage.objects
as restrictive
for delete
to public
using (bucket_id is distinct from 'backups');

-- The bucket row itself: reading it stays as the app's policies say (it holds no data); nobody
-- but the service role may create, change (e.g. public = true) or delete it.
create policy "Backups bucket: no client creates it"
on storage.buckets
as restrictive
for insert
to public
with check (id is distinct from 'backups');

create policy "Backups bucket: no client changes it"
on storage.buckets
as restrictive
for update
to public
using (id is distinct from 'backups')
with check (id is distinct from 'backups');

create policy "Backups bucket: no client deletes it"
on storage.buckets
as restrictive
for delete
to public
using (id is distinct from 'backups');

-- Who downloaded which backup, when: one row per URL the `download` action signed.
create table public.backup_downloads (
  id uuid primary key default gen_random_uuid(),
  run_id uuid references public.backup_runs (id) on delete set null,
  storage_path text not null,
  requested_by uuid references auth.users (id) on delete set null,
  requested_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create index backup_downloads_requested_at_idx on public.backup_downloads (requested_at desc);

alter table public.backup_downloads enable row level security;

create policy "Admins can read backup downloads"
on public.backup_downloads
for select
to authenticated
using ((select public.can_manage_backups()));

-- Written only by the function's own connection: no client role writes, anon does not even read.
revoke all on public.backup_downloads from anon;
revoke insert, update, delete, truncate, references, trigger on public.backup_downloads from authenticated;
grant select on public.backup_downloads to authenticated;

comment on table public.backup_downloads is 'Audit of backup downloads: one row per signed URL the auto-backup function handed out.';
comment on column public.backup_downloads.id is 'Download identifier.';
comment on column public.backup_downloads.run_id is 'The run whose Storage copy was signed (null once that run row is deleted).';
comment on column public.backup_downloads.storage_path is 'The object in bucket backups the URL opens.';
comment on column public.backup_downloads.requested_by is 'The admin who asked for the URL.';
comment on column public.backup_downloads.requested_at is 'When the URL was signed.';
comment on column public.backup_downloads.expires_at is 'When the URL stops working (300 s after signing).';
