/**
 * The files a running stack publishes (docs/design.md section 7): `<stateDir>/stack.json` (how to
 * reach it, typed in stack-info.ts) and `<stateDir>/stack.env` (the function's environment as
 * KEY=value lines), plus the secrets the stack keeps across restarts.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateJwtSecret } from "../gateway/api-keys.ts";
import type { StackInfo } from "./stack-info.ts";

export type { StackInfo, StackUser } from "./stack-info.ts";

export interface StackSecrets {
  jwt_secret: string;
  db_password: string;
}

/** Secrets survive restarts (so browser sessions stay valid) and are created on first start. */
export async function loadOrCreateSecrets(stateDir: string): Promise<StackSecrets> {
  const file = path.join(stateDir, "secrets.json");
  if (existsSync(file)) {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<StackSecrets>;
    if (parsed.jwt_secret && parsed.db_password) return parsed as StackSecrets;
  }
  const secrets: StackSecrets = {
    jwt_secret: generateJwtSecret(),
    db_password: randomBytes(18).toString("base64url"),
  };
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

export function formatEnvFile(env: Record<string, string>): string {
  const lines = Object.entries(env).map(([key, value]) => {
    if (/[\r\n]/.test(value))
      throw new Error(`Cannot write stack.env: the value of ${key} contains a line break`);
    return `${key}=${value}`;
  });
  return `# Written by the local stack (npm run dev); removed when it stops.\n${lines.join("\n")}\n`;
}

/** Reads KEY=value lines (a `.env` file): comments, blank lines, optional quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2] as string;
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    }
    env[match[1] as string] = value;
  }
  return env;
}

export async function writeStackFiles(
  stateDir: string,
  info: StackInfo,
  env: Record<string, string>,
): Promise<void> {
  // stack.env first: whoever waits for stack.json can then read both.
  await writeFile(path.join(stateDir, "stack.env"), formatEnvFile(env), { mode: 0o600 });
  await writeFile(path.join(stateDir, "stack.json"), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export async function removeStackFiles(stateDir: string): Promise<void> {
  await rm(path.join(stateDir, "stack.json"), { force: true });
  await rm(path.join(stateDir, "stack.env"), { force: true });
}
