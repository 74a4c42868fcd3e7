-- Migration: record what retention deleted, and where each OneDrive copy lives
--
-- Purpose: retention deletes only copies this tool created and recorded in public.backup_runs (a Storage
-- path, a OneDrive item id in a recorded drive), never files found by listing a folder, so a planted
-- "backup-2099-…" file can neither be deleted nor push a real backup out. These columns record when a
-- copy was deleted (so nothing is deleted twice and the Settings page can say a copy is gone) and the
-- drive of each OneDrive item (item ids are only unique within a drive).
-- An index on heartbeat_at serves the rate limit of the `run` action (a run that started or ended less
-- than 60 s ago refuses a new one; heartbeat_at is a finished run's last sign of life).
-- Affected: table public.backup_runs (three new nullable columns, one index). No policy changes: clients
-- still only read this table, through the existing admin read policy.

alter table public.backup_runs
  add column storage_deleted_at timestamptz,
  add column onedrive_deleted_at timestamptz,
  add column onedrive_drive_id text;

create index backup_runs_heartbeat_at_idx on public.backup_runs (heartbeat_at desc);

comment on column public.backup_runs.storage_deleted_at is 'When retention deleted the Storage copy (storage_path); null while it is kept.';
comment on column public.backup_runs.onedrive_deleted_at is 'When retention deleted the OneDrive copy (onedrive_item_id), or found it already gone; null while it is kept.';
comment on column public.backup_runs.onedrive_drive_id is 'OneDrive drive id holding onedrive_item_id (item ids are unique per drive only).';
