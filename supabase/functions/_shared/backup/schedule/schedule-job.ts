/**
 * The pg_cron job that starts scheduled backups, and the Vault secrets it reads.
 *
 * The command is a constant: nothing from a request is ever spliced into it. It reads the project URL and
 * the scheduler secret from Vault when it runs, so no secret is stored in cron.job (which every database
 * role that can see the job can read, and which ends up in logs and dumps) and a rotated secret or a
 * changed URL takes effect without touching the job.
 */

export const SCHEDULE_JOB_NAME = "auto-backup";
export const PROJECT_URL_SECRET_NAME = "auto_backup_project_url";
export const CRON_SECRET_NAME = "auto_backup_cron_secret";

/**
 * How long pg_net waits for the function's answer. The function answers 202 as soon as the run row exists
 * (the backup continues in the background), so this only has to cover a cold start.
 */
export const SCHEDULED_REQUEST_TIMEOUT_MS = 30_000;

export const SCHEDULE_JOB_COMMAND = `do $auto_backup$
declare
  project_url text;
  cron_secret text;
begin
  select decrypted_secret into project_url from vault.decrypted_secrets where name = '${PROJECT_URL_SECRET_NAME}';
  select decrypted_secret into cron_secret from vault.decrypted_secrets where name = '${CRON_SECRET_NAME}';
  if project_url is null or cron_secret is null then
    raise exception 'Cannot start the scheduled backup: Vault secret "${PROJECT_URL_SECRET_NAME}" or "${CRON_SECRET_NAME}" is missing; save the schedule again in the backup settings';
  end if;
  perform net.http_post(
    url := project_url || '/functions/v1/auto-backup',
    body := '{"action":"run"}'::jsonb,
    headers := jsonb_build_object('Content-Type', 'application/json', 'x-backup-secret', cron_secret),
    timeout_milliseconds := ${SCHEDULED_REQUEST_TIMEOUT_MS}
  );
end
$auto_backup$`;
