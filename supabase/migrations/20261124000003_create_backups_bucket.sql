-- Migration: create the private Storage bucket "backups"
--
-- Purpose: the second destination of every backup (next to OneDrive). The bucket is private:
-- admins may read its objects (to create signed download links); no client role may write, update
-- or delete them (the backup function uses the service role, which bypasses RLS).
-- Affected: storage.buckets (row "backups"), storage.objects (one select policy).

-- A pre-existing "backups" bucket is made private: database dumps must never be public.
insert into storage.buckets (id, name, public)
values ('backups', 'backups', false)
on conflict (id) do update set public = false;

create policy "Admins can read backup files"
on storage.objects
for select
to authenticated
using (bucket_id = 'backups' and (select public.can_manage_backups()));
