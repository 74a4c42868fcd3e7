/**
 * A local stack of the test's own: `dev/stack/dev.ts` on free ports without the web app, in a fresh
 * state folder, for a test the shared stack cannot serve (restarting its Postgres) or when no stack was
 * started for the tests (STACK_JSON unset). It is stopped, and its folder removed, by `stop()`; a
 * developer's `npm run dev` stack is never touched.
 */
import { loadStack, parseStackEnv, type StackInfo } from "./stack.ts";
import { ROOT, sleep, watchChild } from "./child-process.ts";

export interface StackProcess {
  info: StackInfo;
  /** The function's environment (stack.env). */
  env: Record<string, string>;
  stateDir: string;
  stop(): Promise<void>;
}

const COMMAND = "npx tsx dev/stack/dev.ts --free-ports --no-app";

/**
 * Starts the stack and waits for its stack.json (written once everything listens). `beforeRemove` runs
 * after the stack's process ended, before its folder goes: for what the test started behind its back.
 */
export async function startStackProcess(
  options: { prefix: string; timeoutMs: number; beforeRemove?: () => Promise<void> },
): Promise<StackProcess> {
  const stateDir = await Deno.makeTempDir({ prefix: options.prefix });
  const child = new Deno.Command(new URL("node_modules/.bin/tsx", ROOT).pathname, {
    args: ["dev/stack/dev.ts", "--free-ports", "--no-app", "--state-dir", stateDir],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const watched = watchChild(child, { maxChars: 8000 });
  const stop = async () => {
    await watched.end("SIGTERM");
    await options.beforeRemove?.();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  };

  const file = `${stateDir}/stack.json`;
  const deadline = Date.now() + options.timeoutMs;
  while (!(await exists(file))) {
    if (watched.exited() || Date.now() > deadline) {
      await stop();
      const why = watched.exited() ? "it exited" : `no stack.json after ${options.timeoutMs / 1000} s`;
      throw new Error(
        `Cannot start a local stack (${COMMAND}): ${why}; its last output:\n${watched.output()}`,
      );
    }
    await sleep(200);
  }
  // The file is written once everything listens; read it when complete.
  await sleep(100);
  const info = JSON.parse(await Deno.readTextFile(file)) as StackInfo;
  const env = parseStackEnv(await Deno.readTextFile(`${stateDir}/stack.env`));
  return { info, env, stateDir, stop };
}

/**
 * The stack the test runner started (STACK_JSON, see scripts/test.ts), left running; else one started
 * here and stopped by `stop()`.
 */
export async function useStack(): Promise<Omit<StackProcess, "stateDir">> {
  if (Deno.env.get("STACK_JSON")) return { ...(await loadStack()), stop: () => Promise.resolve() };
  return await startStackProcess({ prefix: "scheduling-stack-", timeoutMs: 240_000 });
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.stat(file);
    return true;
  } catch {
    return false;
  }
}
