-- Migration: create public.backup_runs
--
-- Purpose: one row per backup run, written only by the backup function through its own database
-- connection, read by admins on the Settings page. A unique partial index allows a single
-- `running` row, so two concurrent runs cannot start (the second insert fails).
-- Affected: table public.backup_runs (RLS enabled: admins read; no client writes).

create table public.backup_runs (
  id uuid primary key default gen_random_uuid(),
  trigger text not null,
  requested_by uuid references auth.users (id) on delete set null,
  status text not null default 'running',
  phase text,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  finished_at timestamptz,
  file_name text,
  size_bytes bigint,
  row_count bigint,
  table_count integer,
  tables jsonb,
  sha256 text,
  quick_xor_hash text,
  storage_path text,
  storage_status text not null default 'pending',
  onedrive_status text not null default 'pending',
  onedrive_item_id text,
  onedrive_web_url text,
  bytes_uploaded bigint,
  error text,
  error_code text,
  constraint backup_runs_trigger_check check (trigger in ('manual', 'schedule', 'cli')),
  constraint backup_runs_status_check check (status in ('running', 'success', 'partial', 'failed')),
  constraint backup_runs_phase_check
    check (phase is null or phase in ('exporting', 'storing', 'uploading', 'verifying', 'pruning')),
  constraint backup_runs_storage_status_check
    check (storage_status in ('pending', 'running', 'success', 'failed', 'skipped')),
  constraint backup_runs_onedrive_status_check
    check (onedrive_status in ('pending', 'running', 'success', 'failed', 'skipped')),
  constraint backup_runs_size_bytes_check check (size_bytes is null or size_bytes >= 0),
  constraint backup_runs_row_count_check check (row_count is null or row_count >= 0),
  constraint backup_runs_table_count_check check (table_count is null or table_count >= 0),
  constraint backup_runs_bytes_uploaded_check check (bytes_uploaded is null or bytes_uploaded >= 0)
);

-- One run at a time: a second `running` row violates this index (mapped to HTTP 409).
create unique index backup_runs_one_running_idx on public.backup_runs (status) where status = 'running';

-- The history is read newest first.
create index backup_runs_started_at_idx on public.backup_runs (started_at desc);

alter table public.backup_runs enable row level security;

create policy "Admins can read backup runs"
on public.backup_runs
for select
to authenticated
using ((select public.can_manage_backups()));

-- No insert, update or delete policy: nobody writes runs through the API. Supabase grants the API
-- roles every privilege on new public tables by default; take the write privileges back too, so
-- a policy added by mistake later still cannot open writes. anon has no business here at all.
revoke all on public.backup_runs from anon;
revoke insert, update, delete, truncate, references, trigger on public.backup_runs from authenticated;
grant select on public.backup_runs to authenticated;

comment on table public.backup_runs is 'History of backup runs (one row per run), written by the auto-backup function.';
comment on column public.backup_runs.id is 'Run identifier.';
comment on column public.backup_runs.trigger is 'What started the run: manual (Settings page), schedule (pg_cron) or cli (npm run backup).';
comment on column public.backup_runs.requested_by is 'The user who started a manual run; null for scheduled and CLI runs.';
comment on column public.backup_runs.status is 'running, success, partial (one destination has a verified copy, the other failed) or failed.';
comment on column public.backup_runs.phase is 'Current step while running: exporting, storing, uploading, verifying or pruning.';
comment on column public.backup_runs.started_at is 'When the run started.';
comment on column public.backup_runs.heartbeat_at is 'Last sign of life; a running row without a recent heartbeat is marked failed by the next run.';
comment on column public.backup_runs.finished_at is 'When the run ended (success, partial or failed).';
comment on column public.backup_runs.file_name is 'Backup file name, e.g. backup-2026-11-24T02-00-00Z.json.gz.';
comment on column public.backup_runs.size_bytes is 'Size of the backup file in bytes.';
comment on column public.backup_runs.row_count is 'Total rows exported over all tables.';
comment on column public.backup_runs.table_count is 'Number of tables exported.';
comment on column public.backup_runs.tables is 'Per table: {"schema", "name", "rows"}.';
comment on column public.backup_runs.sha256 is 'SHA-256 of the file (hex).';
comment on column public.backup_runs.quick_xor_hash is 'QuickXorHash of the file (base64), as OneDrive reports it.';
comment on column public.backup_runs.storage_path is 'Object path in the Supabase Storage bucket "backups".';
comment on column public.backup_runs.storage_status is 'Supabase Storage copy: pending, running, success, failed or skipped.';
comment on column public.backup_runs.onedrive_status is 'OneDrive copy: pending, running, success, failed or skipped (not configured).';
comment on column public.backup_runs.onedrive_item_id is 'OneDrive drive item id of the uploaded file.';
comment on column public.backup_runs.onedrive_web_url is 'Link to the uploaded file in OneDrive / SharePoint.';
comment on column public.backup_runs.bytes_uploaded is 'Bytes uploaded to OneDrive so far (progress).';
comment on column public.backup_runs.error is 'Human-readable error of a failed or partial run (never contains secrets).';
comment on column public.backup_runs.error_code is 'Machine-readable error code of a failed or partial run.';
