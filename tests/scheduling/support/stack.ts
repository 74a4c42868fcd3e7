/**
 * The local stack for the end-to-end scheduling test: the one the test runner started (STACK_JSON, see
 * scripts/test.ts, read with tests/support/stack.ts), or else one started here on free ports without the
 * web app, and stopped afterwards (a developer's `npm run dev` stack is left alone).
 */
import { loadStack, type StackInfo } from "../../support/stack.ts";

export interface StackHandle {
  info: StackInfo;
  stop(): Promise<void>;
}

const root = new URL("../../../", import.meta.url);

async function readInfo(file: string): Promise<StackInfo> {
  return JSON.parse(await Deno.readTextFile(file)) as StackInfo;
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.stat(file);
    return true;
  } catch {
    return false;
  }
}

export async function useStack(): Promise<StackHandle> {
  if (Deno.env.get("STACK_JSON")) return { info: (await loadStack()).info, stop: () => Promise.resolve() };

  const stateDir = await Deno.makeTempDir({ prefix: "scheduling-stack-" });
  const child = new Deno.Command(new URL("node_modules/.bin/tsx", root).pathname, {
    args: ["dev/stack/dev.ts", "--free-ports", "--no-app", "--state-dir", stateDir],
    cwd: root.pathname,
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

  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await drained;
    await Deno.remove(stateDir, { recursive: true }).catch(() => undefined);
  };

  const file = `${stateDir}/stack.json`;
  const deadline = Date.now() + 240_000;
  while (!(await exists(file))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `Cannot start the local stack for the scheduling test (npx tsx dev/stack/dev.ts --free-ports --no-app): ${
          exited ? "it exited" : "no stack.json after 240 s"
        }; its last output:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // The file is written once everything listens; read it when complete.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { info: await readInfo(file), stop };
}
