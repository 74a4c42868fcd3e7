/**
 * Child processes for the tests: the environment a child may inherit, and a watch over a spawned child
 * (its output line by line, whether it exited, a stop that waits for the last output).
 */

/** The repository root: every child runs there, as `npm run …` does. */
export const ROOT = new URL("../../", import.meta.url);

/**
 * Only what Deno needs from the parent environment, so no stray database URL or key of the machine
 * reaches a child: the test gives it everything else explicitly.
 */
export function inheritedEnv(
  keys = ["HOME", "PATH", "DENO_DIR", "TMPDIR", "XDG_CACHE_HOME"],
): Record<string, string> {
  return Object.fromEntries(
    keys.flatMap((k) => {
      const v = Deno.env.get(k);
      return v === undefined ? [] : [[k, v]];
    }),
  );
}

/** A child's environment: `base` with `overrides` applied, where an undefined value removes the name. */
export function withOverrides(
  base: Record<string, string>,
  overrides: Record<string, string | undefined>,
): Record<string, string> {
  const env = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface WatchedChild {
  /** Every complete line the child wrote to stdout or stderr so far. */
  lines: string[];
  /** The last `maxChars` characters it wrote, as written. */
  output(): string;
  exited(): boolean;
  status: Promise<Deno.CommandStatus>;
  /** Sends `signal` unless the child is gone, then waits for its exit and its last output. */
  end(signal: Deno.Signal): Promise<void>;
}

/** Reads a spawned child's stdout and stderr (both piped) as they come; `onLine` sees each line once. */
export function watchChild(
  child: Deno.ChildProcess,
  options: { onLine?: (line: string) => void; maxChars?: number } = {},
): WatchedChild {
  const lines: string[] = [];
  const maxChars = options.maxChars ?? 400_000;
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text = (text + chunk).slice(-maxChars);
      pending += chunk;
      const complete = pending.split("\n");
      pending = complete.pop()!;
      for (const line of complete) {
        lines.push(line);
        options.onLine?.(line);
      }
    }
    if (pending) lines.push(pending);
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  return {
    lines,
    output: () => text,
    exited: () => exited,
    status,
    async end(signal) {
      if (!exited) {
        try {
          child.kill(signal);
        } catch {
          // Gone between the check and the signal.
        }
      }
      await status;
      await drained;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
