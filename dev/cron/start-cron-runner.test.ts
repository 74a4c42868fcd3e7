import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { applyDatabaseSetup, listSetupFiles } from "../db/apply-setup.ts";
import { startCronRunner, type CronRunner } from "./start-cron-runner.ts";

// The runner against the real stand-in schemas (dev/db/extensions/) on the machine's PostgreSQL, with a
// real HTTP server on the other end. The clock is injected so minute boundaries come when the test says.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const serverUrl = process.env.SCHEDULING_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `cron_runner_${randomBytes(6).toString("hex")}`;
const databaseUrl = (() => {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
})();

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let admin: pg.Client;
let db: pg.Client;
let http: Server;
let baseUrl = "";
const received: Received[] = [];

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function finishedRuns(): Promise<{ jobname: string; status: string; return_message: string }[]> {
  const { rows } = await db.query(`
    select j.jobname, d.status, d.return_message
    from cron.job_run_details d join cron.job j using (jobid)
    where d.end_time is not null order by d.runid`);
  return rows;
}

async function responses(): Promise<
  {
    id: string;
    status_code: number | null;
    content: string | null;
    timed_out: boolean;
    error_msg: string | null;
  }[]
> {
  const { rows } = await db.query(
    "select id::text, status_code, content, timed_out, error_msg from net._http_response order by id",
  );
  return rows;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  db = new pg.Client({ connectionString: databaseUrl });
  db.on("notice", () => undefined);
  await db.connect();
  await applyDatabaseSetup(db, await listSetupFiles(root));
  await db.query("create table public.runner_marks (label text not null)");
  await db.query("grant insert on public.runner_marks to service_role");

  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === "/slow") return; // never answers
      res.writeHead(req.url === "/fail" ? 500 : 202, { "content-type": "application/json" });
      res.end(JSON.stringify({ run_id: "r1", status: "running" }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await db?.end();
  await admin?.query(`drop database if exists ${database} with (force)`);
  await admin?.end();
});

describe("startCronRunner", () => {
  let runner: CronRunner | undefined;
  let clock = new Date("2026-11-24T10:00:30Z");
  const lines: string[] = [];

  beforeEach(async () => {
    await runner?.stop();
    runner = undefined;
    received.length = 0;
    lines.length = 0;
    await db.query(`
      delete from cron.job; delete from cron.job_run_details; delete from net.http_request_queue;
      delete from net._http_response; delete from public.runner_marks`);
  });

  afterAll(async () => {
    await runner?.stop();
  });

  function start(): CronRunner {
    runner = startCronRunner({ databaseUrl, pollMs: 20, now: () => clock, log: (line) => lines.push(line) });
    return runner;
  }

  it("runs due jobs at each minute boundary, records them, and sends their requests", async () => {
    clock = new Date("2026-11-24T10:00:30Z");
    await db.query(`select cron.schedule('call', '* * * * *', $1)`, [
      `select net.http_post(url := '${baseUrl}/functions/v1/auto-backup', body := '{"action":"run"}'::jsonb,
           headers := '{"Content-Type": "application/json", "x-backup-secret": "s3cret-value"}'::jsonb)`,
    ]);
    await db.query(
      `select cron.schedule('ten past', '10 * * * *', $$insert into public.runner_marks values ('ten past')$$)`,
    );
    await db.query(`select cron.schedule('broken', '* * * * *', 'select 1/0')`);
    const { rows } = await db.query<{ jobid: string }>(
      `select cron.schedule('paused', '* * * * *', $$insert into public.runner_marks values ('paused')$$)::text as jobid`,
    );
    await db.query("select cron.alter_job($1::bigint, active := false)", [rows[0]!.jobid]);
    start();

    // 10:01: the every-minute jobs run; "ten past" and the paused job do not.
    clock = new Date("2026-11-24T10:01:02Z");
    const first = await waitFor("the 10:01 runs", async () =>
      (await finishedRuns()).length >= 2 ? finishedRuns() : undefined,
    );
    expect(first).toEqual(
      expect.arrayContaining([
        { jobname: "call", status: "succeeded", return_message: "SELECT 1" },
        { jobname: "broken", status: "failed", return_message: "division by zero" },
      ]),
    );
    expect(first).toHaveLength(2);
    const [response] = await waitFor("the response", async () =>
      (await responses()).length ? responses() : undefined,
    );
    expect(response).toMatchObject({
      status_code: 202,
      content: '{"run_id":"r1","status":"running"}',
      timed_out: false,
      error_msg: null,
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: "POST",
      path: "/functions/v1/auto-backup",
      body: '{"action": "run"}',
    });
    expect(received[0]!.headers["x-backup-secret"]).toBe("s3cret-value");
    expect(received[0]!.headers["content-type"]).toBe("application/json");
    const queued = await db.query("select count(*)::int as n from net.http_request_queue");
    expect(queued.rows[0].n).toBe(0);

    // 10:10: "ten past" runs too.
    clock = new Date("2026-11-24T10:10:00Z");
    await waitFor("the 10:10 runs", async () => ((await finishedRuns()).length >= 5 ? true : undefined));
    const marks = await db.query("select label from public.runner_marks");
    expect(marks.rows).toEqual([{ label: "ten past" }]);
    expect((await finishedRuns()).filter((r) => r.jobname === "paused")).toEqual([]);

    expect(lines.some((l) => l.startsWith("Job ") && l.includes("(broken) failed: division by zero"))).toBe(
      true,
    );
    expect(lines.some((l) => l.includes("/functions/v1/auto-backup -> 202"))).toBe(true);
    expect(lines.join("\n")).not.toContain("s3cret-value");
  });

  it("records timeouts and connection errors as pg_net does", async () => {
    start();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const slow = await db.query<{ id: string }>(
      `select net.http_post(url := $1, timeout_milliseconds := 200)::text as id`,
      [`${baseUrl}/slow`],
    );
    const refused = await db.query<{ id: string }>(`select net.http_get(url := $1)::text as id`, [
      `http://127.0.0.1:${closedPort}/nothing`,
    ]);
    const failing = await db.query<{ id: string }>(`select net.http_post(url := $1)::text as id`, [
      `${baseUrl}/fail`,
    ]);

    const rows = await waitFor("three responses", async () => {
      const r = await responses();
      return r.length === 3 ? r : undefined;
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(slow.rows[0]!.id)).toMatchObject({
      status_code: null,
      timed_out: true,
      error_msg: "Timeout of 200 ms reached",
    });
    expect(byId.get(refused.rows[0]!.id)).toMatchObject({ status_code: null, timed_out: false });
    expect(byId.get(refused.rows[0]!.id)!.error_msg).toMatch(/ECONNREFUSED|fetch failed/);
    expect(byId.get(failing.rows[0]!.id)).toMatchObject({
      status_code: 500,
      timed_out: false,
      error_msg: null,
    });
  });

  it("runs a job as the user who owns it", async () => {
    clock = new Date("2026-11-24T11:00:30Z");
    await db.query(
      `insert into cron.job (jobname, schedule, command, username)
       values ('as service role', '* * * * *', 'insert into public.runner_marks select current_user', 'service_role')`,
    );
    start();
    clock = new Date("2026-11-24T11:01:00Z");
    const runs = await waitFor("the run", async () =>
      (await finishedRuns()).length ? finishedRuns() : undefined,
    );
    expect(runs).toEqual([{ jobname: "as service role", status: "succeeded", return_message: "INSERT 0 1" }]);
    const marks = await db.query("select label from public.runner_marks");
    expect(marks.rows).toEqual([{ label: "service_role" }]);
  });

  it("stops cleanly, and a stopped runner runs nothing", async () => {
    clock = new Date("2026-11-24T12:00:30Z");
    await db.query(
      `select cron.schedule('mark', '* * * * *', $$insert into public.runner_marks values ('ran')$$)`,
    );
    const r = start();
    await r.stop();
    runner = undefined;
    clock = new Date("2026-11-24T12:01:00Z");
    // A fresh runner only sees minutes after its start; the stopped one is gone, so the table stays empty
    // until a new runner crosses a boundary.
    const next = start();
    clock = new Date("2026-11-24T12:02:00Z");
    await waitFor("the 12:02 run", async () => ((await finishedRuns()).length ? true : undefined));
    await next.stop();
    runner = undefined;
    const marks = await db.query("select label from public.runner_marks");
    expect(marks.rows).toEqual([{ label: "ran" }]);
  });
});
