import assert from "node:assert/strict";
import postgres from "postgres";
import {
  installDriverCrashGuard,
  isDriverNullSocketWrite,
} from "../../../../supabase/functions/_shared/backup/lib/driver-guard.ts";
import { createScratchDatabase } from "../../../support/scratch-database.ts";

Deno.test("the guard recognises only the driver's null-socket write", () => {
  const driverError = new TypeError("Cannot read properties of null (reading 'write')");
  driverError.stack =
    `${driverError.message}\n    at Immediate.nextWrite (file:///cache/npm/postgres/3.4.9/src/connection.js:255:22)`;
  assert.equal(isDriverNullSocketWrite(driverError), true);
  assert.equal(
    isDriverNullSocketWrite(new TypeError("Cannot read properties of null (reading 'write')")),
    false,
  );
  assert.equal(isDriverNullSocketWrite(new Error("boom")), false);
});

Deno.test("a backend killed inside begin() fails the transaction without ending the process", async () => {
  const db = await createScratchDatabase();
  const logs: string[] = [];
  installDriverCrashGuard((m) => logs.push(m));
  const sql = postgres(db.url, { prepare: false, max: 2, onnotice: () => {} });
  const killer = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await assert.rejects(
      sql.begin(async (tx) => {
        await tx`select 1`;
        await killer`select pg_terminate_backend(pid) from pg_stat_activity
                     where datname = current_database() and pid <> pg_backend_pid()`;
        await new Promise((r) => setTimeout(r, 100));
        await tx`select 2`;
      }),
      /CONNECTION_CLOSED|terminating connection/,
    );
    await new Promise((r) => setTimeout(r, 200));
    const [{ x }] = await sql`select 3 as x`;
    assert.equal(x, 3, "the pool still works");
  } finally {
    await sql.end({ timeout: 1 });
    await killer.end({ timeout: 1 });
    await db.drop();
  }
});
