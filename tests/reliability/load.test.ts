/**
 * The Settings page stays usable while a backup runs: 50 signed-in sessions read what the page reads
 * (the last run, a page of the history with its count, `can_manage_backups()`, the function's status),
 * all at once, through the gateway, while the run is in progress. Every read gets a correct answer;
 * how fast is the benchmark's business, not this test's.
 */
import assert from "node:assert/strict";
import {
  adminHeaders,
  allowNextRun,
  callFunction,
  memberEmail,
  runRow,
  signIn,
  waitForRun,
} from "../support/harness.ts";
import { assertVerifiedCopies, closeCleanStack, openCleanStack } from "./support/outcomes.ts";
import { lockTable, waitForBlockedExport } from "../support/database-levers.ts";

const SESSIONS = 50;

Deno.test("50 sessions reading the Settings page's data while a backup runs all get answers", async () => {
  const stack = await openCleanStack();
  try {
    const admin = await adminHeaders(stack);
    const member = { authorization: `Bearer ${await signIn(stack, memberEmail(stack))}` };
    const rest = (path: string, headers: Record<string, string>, prefer?: string) =>
      fetch(`${stack.info.supabase_url}/rest/v1/${path}`, {
        headers: {
          apikey: stack.info.anon_key,
          ...headers,
          ...(prefer ? { prefer } : {}),
        },
      });
    const session = async (i: number) => {
      const asAdmin = i % 5 !== 0; // a few members among the admins
      const headers = asAdmin ? admin : member;
      const [last, page, can, status] = await Promise.all([
        rest("backup_runs?select=*&order=started_at.desc&limit=1", headers),
        rest("backup_runs?select=*&order=started_at.desc&offset=0&limit=20", headers, "count=exact"),
        fetch(`${stack.info.supabase_url}/rest/v1/rpc/can_manage_backups`, {
          method: "POST",
          headers: { apikey: stack.info.anon_key, "content-type": "application/json", ...headers },
          body: "{}",
        }),
        asAdmin ? callFunction(stack, { body: { action: "status" }, headers }) : Promise.resolve(null),
      ]);
      return {
        asAdmin,
        last: { status: last.status, body: await last.json() },
        page: { status: page.status, range: page.headers.get("content-range"), body: await page.json() },
        can: { status: can.status, body: await can.json() },
        status,
      };
    };
    // Hold the run mid-export (its next table is locked) for as long as the reads take.
    const lock = await lockTable(stack.sql);
    let id: string;
    let answers: Awaited<ReturnType<typeof session>>[];
    try {
      await allowNextRun(stack); // runs through the function are rate limited: a minute passes
      const started = await callFunction(stack, { body: { action: "run" }, headers: admin });
      assert.equal(started.status, 202);
      id = String(started.body.run_id);
      await waitForBlockedExport(stack.sql);
      answers = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => session(i)));
      assert.equal((await runRow(stack, id)).status, "running", "every read happened during the run");
    } finally {
      await lock.release();
    }

    for (const a of answers) {
      assert.equal(a.last.status, 200, JSON.stringify(a.last.body).slice(0, 300));
      // PostgREST answers 206 when a counted page is not the whole history.
      assert.ok([200, 206].includes(a.page.status), JSON.stringify(a.page.body).slice(0, 300));
      assert.equal(a.can.status, 200, JSON.stringify(a.can.body));
      assert.equal(a.can.body, a.asAdmin);
      if (a.asAdmin) {
        assert.equal(a.last.body[0]?.id, id, "admins see the run in progress");
        assert.equal(a.last.body[0]?.status, "running");
        assert.ok(a.page.body.length > 0 && a.page.body.length <= 20);
        assert.match(a.page.range ?? "", /^0-\d+\/\d+$/, "the history's total comes with the page");
        assert.equal(a.status?.status, 200, JSON.stringify(a.status?.body));
      } else {
        assert.deepEqual(a.last.body, [], "members see no run (RLS)");
      }
    }

    await assertVerifiedCopies(stack, await waitForRun(stack, id));
  } finally {
    await closeCleanStack(stack);
  }
});
