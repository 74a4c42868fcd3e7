/**
 * A private instance of the real edge function for tests that need their own settings, its every log
 * line, its temp folder or a SIGKILL: `dev/functions/serve.ts` (the stack's stand-in for Supabase's edge
 * runtime) in its own Deno process, with the stack's function environment plus overrides, stdout and
 * stderr captured, TMPDIR a folder of its own (where the export spools).
 *
 * It talks to the same gateway, database and Graph emulator as the stack; callers reach it directly
 * (`call`), not through the gateway, exactly as the gateway would forward a request.
 */
import type { Stack } from "./harness.ts";
import { inheritedEnv, ROOT, watchChild, withOverrides } from "./child-process.ts";
import { type CallInit, callJson, type CallResult } from "./http.ts";

export interface FunctionProcess {
  /** Base URL of the server; the function answers at `${url}/auto-backup`. */
  url: string;
  /** The folder the function's temp (spool) files go to. */
  tmpDir: string;
  /** Every line the process wrote to stdout or stderr so far. */
  lines: string[];
  /** Everything the process printed so far (stdout and stderr), as printed. */
  output(): string;
  /** POST /auto-backup (by default) with a JSON body. */
  call(init: CallInit): Promise<CallResult>;
  /** SIGKILL: no cleanup of any kind, like a platform that stops the worker. */
  kill(): Promise<void>;
  /** SIGTERM, waits for the exit, removes the temp folder it made. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/** The server prints `{"event":"ready","url":…}` once it listens. */
function readyUrl(line: string): string | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const event = JSON.parse(line) as { event?: string; url?: string };
    return event.event === "ready" ? event.url : undefined;
  } catch {
    return undefined; // An ordinary log line that happens to start with a brace.
  }
}

/**
 * Starts the process; `overrides` replace the stack's function environment (undefined removes a name).
 * With `options.tmpDir` the caller owns that folder (it outlives the process, as a spool left by a kill).
 */
export async function startFunctionProcess(
  stack: Pick<Stack, "env">,
  overrides: Record<string, string | undefined> = {},
  options: { tmpDir?: string } = {},
): Promise<FunctionProcess> {
  const tmpDir = options.tmpDir ?? await Deno.makeTempDir({ prefix: "function-process-" });
  const base = { ...inheritedEnv(), ...stack.env, NO_COLOR: "1", TMPDIR: tmpDir };
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", "deno.json", "dev/functions/serve.ts", "--port", "0"],
    cwd: ROOT,
    clearEnv: true,
    env: withOverrides(base, overrides),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let ready!: (url: string) => void;
  const listening = new Promise<string>((resolve) => (ready = resolve));
  const watched = watchChild(child, {
    onLine(line) {
      const url = readyUrl(line);
      if (url) ready(url);
    },
  });
  const removeTmp = async () => {
    if (!options.tmpDir) await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let url: string;
  try {
    url = await Promise.race([
      listening,
      watched.status.then(() => Promise.reject(new Error("the process exited before listening"))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no ready line within 60 s")), READY_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    await watched.end("SIGKILL");
    await removeTmp();
    throw new Error(
      `Cannot start a functions server for the test: ${
        (error as Error).message
      }; its output:\n${watched.output()}`,
    );
  } finally {
    clearTimeout(timer);
  }

  return {
    url,
    tmpDir,
    lines: watched.lines,
    output: watched.output,
    call: (init) => callJson(`${url}/auto-backup`, init),
    kill: () => watched.end("SIGKILL"),
    async stop() {
      await watched.end("SIGTERM");
      await removeTmp();
    },
  };
}
