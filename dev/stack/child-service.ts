/**
 * Child processes of the local stack (functions server, Vite). Each runs in its own process group, so
 * stopping it also stops whatever it spawned (esbuild, Deno workers), and Ctrl-C in the terminal
 * reaches only the stack process, which then stops the children in order.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface ChildService {
  name: string;
  pid: number;
  /** Resolves with the exit code (or null after a signal) when the process ends. */
  exited: Promise<number | null>;
  /** The last lines the process wrote, for error messages. */
  recentOutput(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort when the stack process exits without stopping its children (e.g. a crash). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
}

export interface StartChildOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with each output line (stdout and stderr). */
  onLine?: (line: string) => void;
}

export function startChild(options: StartChildOptions): ChildService {
  installExitHook();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (!child.pid) throw new Error(`Cannot start ${options.name}: "${options.command}" could not be spawned`);
  running.add(child);
  const tail: string[] = [];
  const onData = (buffer: Buffer, carry: { text: string }) => {
    carry.text += buffer.toString("utf8");
    const lines = carry.text.split("\n");
    carry.text = lines.pop() ?? "";
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      options.onLine?.(line);
    }
  };
  const out = { text: "" };
  const err = { text: "" };
  child.stdout?.on("data", (b: Buffer) => onData(b, out));
  child.stderr?.on("data", (b: Buffer) => onData(b, err));
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once("error", () => {
      running.delete(child);
      resolve(null);
    });
  });
  const pid = child.pid;
  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    pid,
    exited,
    recentOutput: () => tail.join("\n"),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const signalGroup = (signal: NodeJS.Signals) => {
          try {
            process.kill(-pid, signal);
          } catch {
            // the group is already gone
          }
        };
        signalGroup("SIGTERM");
        const timeout = new Promise<"timeout">((resolve) =>
          setTimeout(() => resolve("timeout"), 5000).unref(),
        );
        if ((await Promise.race([exited, timeout])) === "timeout") {
          signalGroup("SIGKILL");
          await exited;
        }
        // Grandchildren that ignored SIGTERM while the leader exited: make sure the group is empty.
        signalGroup("SIGKILL");
      })();
      return stopping;
    },
  };
}

/** Waits for a line matching `test`, failing if the process exits first or time runs out. */
export function waitForLine(
  service: ChildService,
  subscribe: (listener: (line: string) => void) => void,
  test: (line: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `Cannot start ${service.name}: not ready after ${timeoutMs / 1000} s. Its last output:\n${service.recentOutput()}`,
        ),
      );
    }, timeoutMs);
    subscribe((line) => {
      if (test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void service.exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `Cannot start ${service.name}: it exited with code ${code}. Its last output:\n${service.recentOutput()}`,
        ),
      );
    });
  });
}

/** Polls an HTTP URL until it answers (any status below 500). */
export async function waitForHttp(service: ChildService, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`Cannot start ${service.name}: it exited. Its last output:\n${service.recentOutput()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `Cannot start ${service.name}: ${url} did not answer within ${timeoutMs / 1000} s. Its last output:\n${service.recentOutput()}`,
  );
}
