/**
 * `npm test`: every suite, in an order that fails fast on cheap checks.
 *
 *   static  type checks, linters and formatters (tsc, eslint, deno check on the current Deno and on the
 *           hosted runtime's 2.1, deno lint/fmt)
 *   unit    Vitest: the app (jsdom) and the Node tooling (gateway, Graph emulator, stack)
 *   sql     pgTAP on the machine's PostgreSQL 15
 *   deno    Deno tests: function logic, Graph client, CLI, integration over HTTP
 *   e2e     Playwright in Chromium
 *
 * The deno and e2e suites share one local stack (embedded Postgres, gateway, functions, Graph emulator,
 * Vite) started here on free ports; its stack.json path reaches the tests through STACK_JSON.
 *
 * Before any suite runs, the machine is made ready for the chosen ones (scripts/prerequisites/): as root
 * on Debian or Ubuntu it installs and starts what is missing (Chromium, PostgreSQL 15 with pgTAP and
 * pg_cron), printing one line per step; elsewhere it stops with one message naming what is missing and
 * the command that installs it.
 *
 * Usage: npm test [-- suite…]   e.g. `npm test -- static unit`
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePrerequisites } from "./prerequisites/ensure-prerequisites.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

interface SuiteResult {
  name: string;
  ok: boolean;
  passed: number;
  failed: number;
  seconds: number;
}

interface Step {
  label: string;
  command: string;
  /** Extra environment for this step only. */
  env?: Record<string, string>;
  args: string[];
  /** Reads the runner's own closing lines into counts; steps without one count as a single check. */
  count?: (output: string) => { passed: number; failed: number } | undefined;
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

const lastMatch = (text: string, pattern: RegExp) => {
  const all = [...stripAnsi(text).matchAll(pattern)];
  return all.at(-1);
};

const vitestCount = (out: string) => {
  const line = lastMatch(out, /^\s*Tests\s+(.*)$/gm)?.[1];
  if (!line) return undefined;
  const n = (word: string) => Number(line.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
  return { passed: n("passed"), failed: n("failed") };
};

const denoCount = (out: string) => {
  const m = lastMatch(out, /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
};

const playwrightCount = (out: string) => {
  const text = stripAnsi(out);
  const passed = lastMatch(text, /^\s+(\d+) passed/gm);
  const failed = lastMatch(text, /^\s+(\d+) failed/gm);
  if (!passed && !failed) return undefined;
  return { passed: Number(passed?.[1] ?? 0), failed: Number(failed?.[1] ?? 0) };
};

const tapCount = (out: string) => {
  const m = lastMatch(out, /^sql tests: (\d+) passed, (\d+) failed/gm);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
};

function run(step: Step, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      cwd: root,
      env: { ...env, ...step.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer, stream: NodeJS.WriteStream) => {
      stream.write(chunk);
      // Only the tail matters for the counts; keep memory bounded on chatty suites.
      output = (output + chunk.toString()).slice(-200_000);
    };
    child.stdout.on("data", (c: Buffer) => keep(c, process.stdout));
    child.stderr.on("data", (c: Buffer) => keep(c, process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

async function runSuite(name: string, steps: Step[], env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  let ok = true;
  for (const step of steps) {
    console.log(`\n▶ ${name}: ${step.label}`);
    const { code, output } = await run(step, env);
    const counted = step.count?.(output);
    if (step.count && !counted) {
      // A runner that printed no summary did not run its tests: never count that as a pass.
      console.error(`✖ ${name}: ${step.label} printed no test summary (exit ${code})`);
      ok = false;
      failed += 1;
      continue;
    }
    passed += counted ? counted.passed : code === 0 ? 1 : 0;
    failed += counted ? counted.failed : code === 0 ? 0 : 1;
    if (code !== 0) {
      ok = false;
      if (counted && counted.failed === 0) failed += 1; // a crash after the summary still fails the step
    }
  }
  return { name, ok, passed, failed, seconds: (Date.now() - started) / 1000 };
}

const denoFiles = ["supabase/functions", "cli", "tests"];

const suites: Record<string, Step[]> = {
  static: [
    { label: "tsc (src, dev, scripts)", command: bin("tsc"), args: ["-p", "tsconfig.json", "--noEmit"] },
    { label: "eslint", command: bin("eslint"), args: ["."] },
    { label: "prettier --check", command: bin("prettier"), args: ["--check", "."] },
    { label: "deno check", command: bin("deno"), args: ["check", "--config", "deno.json", ...denoFiles] },
    {
      // The hosted Edge Runtime is compatible with Deno 2.1 (older TypeScript: no generic Uint8Array, no
      // global Buffer types); it cannot read the version-5 lock file, hence --no-lock. Deno 2.1 reaches the
      // registry through the system's certificate store only when told to.
      label: "deno check on Deno 2.1.4 (the hosted Edge Runtime's)",
      command: path.join(root, "node_modules", "deno-2-1", "deno"),
      args: ["check", "--no-lock", "--config", "deno.json", ...denoFiles],
      env: { DENO_TLS_CA_STORE: "system" },
    },
    { label: "deno lint", command: bin("deno"), args: ["lint", "--config", "deno.json"] },
    { label: "deno fmt --check", command: bin("deno"), args: ["fmt", "--check", "--config", "deno.json"] },
  ],
  unit: [{ label: "vitest", command: bin("vitest"), args: ["run"], count: vitestCount }],
  sql: [{ label: "pgTAP", command: bin("tsx"), args: ["scripts/sql-tests.ts"], count: tapCount }],
  deno: [
    {
      label: "deno test",
      command: bin("deno"),
      args: ["test", "-A", "--config", "deno.json", ...denoFiles],
      count: denoCount,
    },
  ],
  e2e: [{ label: "playwright", command: bin("playwright"), args: ["test"], count: playwrightCount }],
};

const needsStack = new Set(["deno", "e2e"]);

async function main() {
  const requested = process.argv.slice(2).filter((a) => a !== "--");
  const unknown = requested.filter((s) => !(s in suites));
  if (unknown.length) {
    console.error(
      `Cannot run tests: unknown suite ${unknown.map((u) => `"${u}"`).join(", ")}; choose from ${Object.keys(suites).join(", ")}`,
    );
    process.exit(2);
  }
  const chosen = requested.length ? requested : Object.keys(suites);
  const problem = await ensurePrerequisites(chosen);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" };
  const results: SuiteResult[] = [];
  let stack: { stop(): Promise<void> } | undefined;
  let stateDir: string | undefined;

  const stopStack = async () => {
    if (stack) await stack.stop().catch((e) => console.error("Cannot stop the test stack:", e));
    stack = undefined;
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => void stopStack().finally(() => process.exit(130)));
  }

  try {
    for (const name of chosen) {
      if (needsStack.has(name) && !stack) {
        stateDir = await mkdtemp(path.join(tmpdir(), "backup-test-stack-"));
        console.log(`\n▶ starting the local stack for the integration suites (${stateDir})`);
        const { startStack } = await import("../dev/stack/start-stack.ts");
        const started = await startStack({
          stateDir,
          ports: "free",
          app: chosen.includes("e2e"),
          seed: true,
          quiet: true,
        });
        stack = started;
        env.STACK_JSON = path.join(stateDir, "stack.json");
      }
      results.push(await runSuite(name, suites[name], env));
    }
  } finally {
    await stopStack();
  }

  console.log("\nSummary");
  for (const r of results) {
    console.log(
      `  ${r.ok ? "✔" : "✖"} ${r.name.padEnd(7)} ${String(r.passed).padStart(4)} passed, ${r.failed} failed  (${r.seconds.toFixed(1)} s)`,
    );
  }
  const passed = results.reduce((s, r) => s + r.passed, 0);
  const failed = results.reduce((s, r) => s + r.failed, 0);
  const allOk = results.every((r) => r.ok);
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exit(allOk && failed === 0 ? 0 : 1);
}

await main();
