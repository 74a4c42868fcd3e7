/**
 * The stack's lifecycle: it publishes its files, keeps its database across restarts (applied
 * migrations and the seed are not redone), and leaves no process behind when stopped.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startStack } from "./start-stack.ts";

const stateDir = await mkdtemp(path.join(tmpdir(), "stack-test-"));

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function processesMatching(fragment: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.replace(/\0/g, " ").includes(fragment)) pids.push(Number(entry));
  }
  return pids;
}

/** A process counts as alive while it exists and is not a zombie waiting to be reaped by init. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false; // gone between the two looks
  }
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

/** Stopped processes need a moment to disappear (signals are delivered asynchronously). */
async function stillAlive(pids: number[], waitMs = 3000): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

describe("startStack", () => {
  it("publishes its files, restarts on the same database, and leaves no process behind", async () => {
    const first = await startStack({ stateDir, ports: "free", app: false, quiet: true });
    const stackJson = path.join(stateDir, "stack.json");
    expect(JSON.parse(await readFile(stackJson, "utf8"))).toMatchObject({
      supabase_url: first.info.supabase_url,
      anon_key: first.info.anon_key,
      db_url: first.info.db_url,
      state_dir: stateDir,
    });
    const env = await readFile(path.join(stateDir, "stack.env"), "utf8");
    for (const key of ["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_DB_URL", "BACKUP_SCHEMAS"]) {
      expect(env).toMatch(new RegExp(`^${key}=.+$`, "m"));
    }

    const postgresPid = Number(
      (await readFile(path.join(stateDir, "db", "postmaster.pid"), "utf8")).split("\n")[0],
    );
    const functionsPort = new URL(first.info.functions_url).port;
    const functionsPids = await processesMatching(`dev/functions/serve.ts --port ${functionsPort}`);
    expect(alive(postgresPid)).toBe(true);
    expect(functionsPids.length).toBeGreaterThan(0);

    const db = new pg.Client({ connectionString: first.info.db_url });
    await db.connect();
    await db.query(
      "insert into public.owners (first_name, last_name, email, city) values ('Zoé', 'Témoin', 'temoin@exemple.fr', 'Nîmes')",
    );
    await db.end();
    await first.stop();

    expect(existsSync(stackJson)).toBe(false);
    expect(existsSync(path.join(stateDir, "stack.env"))).toBe(false);
    expect(await stillAlive([postgresPid])).toEqual([]);
    expect(await stillAlive(functionsPids)).toEqual([]);

    const lines: string[] = [];
    const second = await startStack({ stateDir, ports: "free", app: false, log: (line) => lines.push(line) });
    try {
      expect(lines).toContain("[db] schema up to date");
      expect(lines.some((l) => l.includes("seeded"))).toBe(false);
      const again = new pg.Client({ connectionString: second.info.db_url });
      await again.connect();
      const { rows } = await again.query(
        "select (select count(*) from auth.users)::int as users, (select count(*) from public.owners where email = 'temoin@exemple.fr')::int as kept",
      );
      await again.end();
      expect(rows[0]).toEqual({ users: 2, kept: 1 });
      expect(second.info.anon_key).toBe(first.info.anon_key);
    } finally {
      await second.stop();
    }
  });
});
