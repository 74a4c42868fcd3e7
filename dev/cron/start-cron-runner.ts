/**
 * Runs the local stand-ins of pg_cron and pg_net (dev/db/extensions/) the way the real background workers
 * would, so a schedule set with `npm run dev` really fires.
 *
 * - At each minute boundary (UTC) it reads the active jobs of cron.job, evaluates their schedules with
 *   croner (pg_cron's five-field syntax, day of month and day of week "either matches"), and runs each
 *   due job's command in its own connection, as the job's user, recording the run in cron.job_run_details
 *   (status `running`, then `succeeded` with the command tag or `failed` with the error), like pg_cron.
 * - On every poll it takes the requests queued by net.http_post / net.http_get from
 *   net.http_request_queue, sends them with fetch (honouring timeout_milliseconds) and records each answer
 *   in net._http_response under the request's id (status_code, headers, content, timed_out, error_msg),
 *   like pg_net's worker. Responses older than six hours are deleted, as pg_net's default TTL does.
 *
 * Differences from the real workers: minutes missed while the process was stopped or asleep are not
 * caught up; only jobs of the database it is connected to are run; headers are never logged (the
 * scheduler's secret travels in one).
 */
import { Cron } from "croner";
import postgres from "postgres";

export interface CronRunnerOptions {
  /** The database holding the cron and net stand-in schemas, as a superuser (the stack's db_url). */
  databaseUrl: string;
  log?: (line: string) => void;
  /** How often to look at the clock and the request queue; default 1000 ms. */
  pollMs?: number;
  /** Clock, for tests; default the system clock. */
  now?: () => Date;
  /** HTTP client, for tests; default global fetch. */
  fetch?: typeof fetch;
}

export interface CronRunner {
  stop(): Promise<void>;
}

interface JobRow {
  jobid: string;
  jobname: string | null;
  schedule: string;
  command: string;
  database: string;
  username: string;
}

interface RequestRow {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string> | null;
  body: Uint8Array | null;
  timeout_milliseconds: number;
}

const RESPONSE_TTL = "6 hours";
const QUEUE_BATCH = 20;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/** pg_cron reports the command tag of the last statement, e.g. "SELECT 1", "INSERT 0 2" or "DO". */
function commandTag(result: unknown): string {
  const results = result as { command?: string; count?: number | null }[] & {
    command?: string;
    count?: number;
  };
  const last = Array.isArray(results[0]) ? results[results.length - 1] : results;
  const command = last?.command ?? "";
  const count = last?.count ?? 0;
  if (command === "INSERT") return `INSERT 0 ${count}`;
  return ["SELECT", "UPDATE", "DELETE", "MERGE", "COPY", "FETCH", "MOVE"].includes(command)
    ? `${command} ${count}`
    : command;
}

function first<T>(rows: readonly T[], what: string): T {
  const row = rows[0];
  if (row === undefined) throw new Error(`Cannot run the cron stand-in: ${what} returned no row`);
  return row;
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

export function startCronRunner(opts: CronRunnerOptions): CronRunner {
  const log = opts.log ?? (() => undefined);
  const pollMs = opts.pollMs ?? 1000;
  const now = opts.now ?? (() => new Date());
  const send = opts.fetch ?? fetch;
  const sql = postgres(opts.databaseUrl, {
    max: 2,
    onnotice: () => undefined,
    connection: { application_name: "pg_cron stand-in runner" },
  });

  const minuteOf = (date: Date) => Math.floor(date.getTime() / 60_000);
  let lastMinute = minuteOf(now());
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const reported = new Set<string>();

  // Problems that repeat every poll (database down, schema missing, a bad schedule) are logged once.
  const logOnce = (line: string) => {
    if (reported.has(line)) return;
    reported.add(line);
    log(line);
  };

  async function standInsPresent(): Promise<{ cron: boolean; net: boolean }> {
    const [row] = await sql<{ cron: boolean; net: boolean }[]>`
      select to_regclass('cron.job') is not null as cron,
        to_regclass('net.http_request_queue') is not null and to_regclass('net._http_response') is not null as net`;
    return row ?? { cron: false, net: false };
  }

  function isDue(job: JobRow, minute: Date): boolean {
    try {
      return new Cron(job.schedule, { timezone: "UTC", mode: "5-part", paused: true }).match(minute);
    } catch (error) {
      logOnce(`Cannot evaluate job ${job.jobid} schedule "${job.schedule}": ${describe(error)}`);
      return false;
    }
  }

  async function runJob(job: JobRow): Promise<void> {
    const label = `Job ${job.jobid}${job.jobname ? ` (${job.jobname})` : ""}`;
    const { runid } = first(
      await sql<{ runid: string }[]>`
        insert into cron.job_run_details (jobid, database, username, command, status, start_time)
        values (${job.jobid}::bigint, ${job.database}, ${job.username}, ${job.command}, 'running', now())
        returning runid::text as runid`,
      "recording the run",
    );
    // Like pg_cron: a fresh session per run, so nothing a command leaves behind leaks into the next.
    const session = postgres(opts.databaseUrl, { max: 1, onnotice: () => undefined });
    let status = "succeeded";
    let message: string;
    try {
      const { pid, user } = first(
        await session<{ pid: number; user: string }[]>`select pg_backend_pid() as pid, session_user as user`,
        "opening the job's session",
      );
      await sql`update cron.job_run_details set job_pid = ${pid} where runid = ${runid}::bigint`;
      if (job.username !== user) await session`select set_config('role', ${job.username}, false)`;
      message = commandTag(await session.unsafe(job.command));
    } catch (error) {
      status = "failed";
      message = describe(error);
    } finally {
      await session.end({ timeout: 5 });
    }
    await sql`
      update cron.job_run_details
      set status = ${status}, return_message = ${message}, end_time = now()
      where runid = ${runid}::bigint`;
    log(`${label} ${status}${status === "failed" ? `: ${message}` : ""}`);
  }

  async function runDueJobs(minute: Date): Promise<void> {
    const jobs = await sql<JobRow[]>`
      select jobid::text as jobid, jobname::text as jobname, schedule, command, database, username
      from cron.job where active order by jobid`;
    const { db } = first(await sql<{ db: string }[]>`select current_database() as db`, "current_database()");
    const due = jobs.filter((job) => {
      if (job.database !== db) {
        logOnce(`Job ${job.jobid} targets database "${job.database}"; the runner only runs jobs of "${db}"`);
        return false;
      }
      return isDue(job, minute);
    });
    // pg_cron starts due jobs side by side; one slow job does not hold back the others.
    await Promise.all(
      due.map((job) => runJob(job).catch((e) => log(`Cannot run job ${job.jobid}: ${describe(e)}`))),
    );
    await sql`delete from net._http_response where created < now() - ${RESPONSE_TTL}::interval`.catch(
      () => undefined,
    );
  }

  async function sendRequest(request: RequestRow): Promise<void> {
    const started = Date.now();
    let row: {
      status_code: number | null;
      content_type: string | null;
      headers: Record<string, string> | null;
      content: string | null;
      timed_out: boolean;
      error_msg: string | null;
    };
    try {
      const response = await send(request.url, {
        method: request.method,
        headers: request.headers ?? {},
        body: request.method === "GET" || request.body === null ? undefined : new Uint8Array(request.body),
        signal: AbortSignal.timeout(request.timeout_milliseconds),
      });
      const content = await response.text();
      row = {
        status_code: response.status,
        content_type: response.headers.get("content-type"),
        headers: Object.fromEntries(response.headers.entries()),
        content,
        timed_out: false,
        error_msg: null,
      };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      row = {
        status_code: null,
        content_type: null,
        headers: null,
        content: null,
        timed_out: timedOut,
        error_msg: timedOut ? `Timeout of ${request.timeout_milliseconds} ms reached` : describe(error),
      };
    }
    await sql`
      insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
      values (${request.id}::bigint, ${row.status_code}, ${row.content_type}, ${row.headers === null ? null : sql.json(row.headers)},
        ${row.content}, ${row.timed_out}, ${row.error_msg})`;
    const outcome = row.status_code !== null ? String(row.status_code) : row.error_msg;
    log(`${request.method} ${safeUrl(request.url)} -> ${outcome} (${Date.now() - started} ms)`);
  }

  async function sendQueuedRequests(): Promise<void> {
    for (;;) {
      // Taken off the queue before sending, as pg_net does: a request is attempted once.
      const batch = await sql<RequestRow[]>`
        delete from net.http_request_queue
        where id in (
          select id from net.http_request_queue order by id limit ${QUEUE_BATCH} for update skip locked
        )
        returning id::text as id, method::text as method, url, headers, body, timeout_milliseconds`;
      if (batch.length === 0) return;
      await Promise.all(batch.map((request) => sendRequest(request)));
      if (stopped) return;
    }
  }

  async function tick(): Promise<void> {
    const present = await standInsPresent();
    if (!present.cron && !present.net) {
      logOnce("No cron or net stand-in schema in this database (dev/db/extensions/); nothing to run");
      return;
    }
    const minute = minuteOf(now());
    if (minute > lastMinute) {
      lastMinute = minute;
      if (present.cron) await runDueJobs(new Date(minute * 60_000));
    }
    if (present.net) await sendQueuedRequests();
  }

  const loop = () => {
    running = tick()
      .catch((error) => logOnce(`Cannot run the pg_cron stand-in: ${describe(error)}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, pollMs);
      });
  };
  timer = setTimeout(loop, 0);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await sql.end({ timeout: 5 });
    },
  };
}
