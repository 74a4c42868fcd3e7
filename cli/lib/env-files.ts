/**
 * The CLI's environment (docs/design.md §7): the process environment first, then `.env`, then
 * `.local/stack.env` (written by `npm run dev`); an earlier source wins for a variable set in several.
 */
export type EnvMap = Record<string, string>;

/** Parses `KEY=value` lines; `#` comments, blank lines, `export ` prefixes and quotes are handled. */
export function parseEnvFile(text: string): EnvMap {
  const out: EnvMap = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^"(.*)"$/.test(value)) {
      value = value.slice(1, -1).replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    } else if (/^'(.*)'$/.test(value)) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    out[m[1]] = value;
  }
  return out;
}

async function readOptional(path: string): Promise<EnvMap> {
  try {
    return parseEnvFile(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

export interface LoadedEnv {
  env: EnvMap;
  /** Which files contributed, for the CLI's first line. */
  sources: string[];
}

export async function loadCliEnvironment(cwd = Deno.cwd()): Promise<LoadedEnv> {
  const dotEnv = await readOptional(`${cwd}/.env`);
  const stackEnv = await readOptional(`${cwd}/.local/stack.env`);
  const sources = ["environment"];
  if (Object.keys(dotEnv).length) sources.push(".env");
  if (Object.keys(stackEnv).length) sources.push(".local/stack.env");
  return { env: { ...stackEnv, ...dotEnv, ...Deno.env.toObject() }, sources };
}
