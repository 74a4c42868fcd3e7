/**
 * Ten `run` requests at the same moment, through the gateway to the stack's function: the database's
 * one-running-row index lets exactly one run start; the nine others get 409 naming that run.
 */
import assert from "node:assert/strict";
import { adminHeaders, allowNextRun, callFunction, waitForRun } from "../support/harness.ts";
import { assertVerifiedCopies, closeCleanStack, openCleanStack } from "./support/outcomes.ts";

Deno.test("ten simultaneous run requests: exactly one run, nine 409 with its id", async () => {
  const stack = await openCleanStack();
  try {
    const admin = await adminHeaders(stack);
    const [{ n: before }] = await stack.sql<Array<{ n: number }>>`
      select count(*)::int as n from public.backup_runs`;

    await allowNextRun(stack); // runs through the function are rate limited: a minute passes
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => callFunction(stack, { body: { action: "run" }, headers: admin })),
    );

    const started = answers.filter((a) => a.status === 202);
    const busy = answers.filter((a) => a.status === 409);
    assert.equal(started.length, 1, JSON.stringify(answers.map((a) => [a.status, a.body])));
    assert.equal(busy.length, 9);
    const id = String(started[0].body.run_id);
    for (const answer of busy) {
      assert.equal(answer.body.run_id, id, "every 409 names the run in progress");
      assert.match(String(answer.body.error), /^A backup is already running: wait for it to finish$/);
    }
    const [{ n: after }] = await stack.sql<Array<{ n: number }>>`
      select count(*)::int as n from public.backup_runs`;
    assert.equal(after, before + 1, "one row, not ten");
    await assertVerifiedCopies(stack, await waitForRun(stack, id));
  } finally {
    await closeCleanStack(stack);
  }
});
