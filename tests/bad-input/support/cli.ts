/** Runs `cli/<script>` as `npm run …` does: a Deno subprocess with a clean environment. */
const ROOT = new URL("../../../", import.meta.url);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  // Only what Deno needs from the parent environment, so no stray database URL reaches the command.
  const keep = ["HOME", "PATH", "DENO_DIR", "TMPDIR"].flatMap((k) => {
    const v = Deno.env.get(k);
    return v === undefined ? [] : [[k, v] as const];
  });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", "deno.json", `cli/${script}`, ...args],
    cwd: ROOT,
    clearEnv: true,
    env: { ...Object.fromEntries(keep), NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
