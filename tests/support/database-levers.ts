/**
 * Database levers for the reliability tests: hold a table locked so an export stops right there, find
 * the export's backend, and age a run's heartbeat as if the platform's maximum run time had passed.
 */
import type { Sql } from "./harness.ts";

/** Holds an exclusive lock on a table (default: the seed's largest), so an export waits at that table. */
export async function lockTable(
  sql: Sql,
  table = "public.payments",
): Promise<{ release(): Promise<void> }> {
  const conn = await sql.reserve();
  await conn`begin`;
  await conn.unsafe(`lock table ${table} in access exclusive mode`);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await conn`rollback`;
      conn.release();
    },
  };
}

/** The backend pid of an export waiting on a lock. */
export async function waitForBlockedExport(sql: Sql, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sql<Array<{ pid: number }>>`
      select pid from pg_stat_activity
      where application_name = 'auto-backup-export' and wait_event_type = 'Lock'`;
    if (rows.length) return rows[0].pid;
    if (Date.now() > deadline) throw new Error("The export never reached the locked table");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The run's process is gone: pretend the platform's maximum run time passed without a heartbeat. */
export async function ageHeartbeat(sql: Sql, id: string): Promise<void> {
  await sql`update public.backup_runs set heartbeat_at = now() - interval '1 hour' where id = ${id}`;
}
