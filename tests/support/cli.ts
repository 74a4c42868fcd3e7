/**
 * Runs `cli/<script>` as `npm run …` does: a Deno subprocess with a clean environment (only what Deno
 * needs from the parent, so no stray database URL reaches the command) plus the test's variables.
 */
import type { Stack } from "./harness.ts";
import { inheritedEnv, ROOT } from "./child-process.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command, not started: a test that must watch or signal the process spawns it itself. */
export function cliCommand(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  cwd: URL | string = ROOT,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      new URL("deno.json", ROOT).pathname,
      new URL(`cli/${script}`, ROOT).pathname,
      ...args,
    ],
    cwd,
    clearEnv: true,
    env: { ...inheritedEnv(["HOME", "PATH", "DENO_DIR", "TMPDIR"]), NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

export async function cli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  cwd: URL | string = ROOT,
): Promise<CliResult> {
  const out = await cliCommand(script, args, env, cwd).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The command with the stack's function environment plus overrides. */
export const stackCliCommand = (
  stack: Stack,
  script: string,
  args: string[],
  env: Record<string, string> = {},
) => cliCommand(script, args, { ...stack.env, ...env });

export const runCli = (stack: Stack, script: string, args: string[], env: Record<string, string> = {}) =>
  cli(script, args, { ...stack.env, ...env });
