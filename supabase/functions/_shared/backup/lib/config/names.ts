/**
 * BACKUP_SCHEMAS and BACKUP_EXCLUDE_TABLES: comma lists of Postgres names, double-quoted when a name
 * holds a comma or a dot. Schemas of Postgres and of Supabase's own services are refused.
 */
import type { ConfigProblem, Env, ExcludedTable } from "./types.ts";
import { value } from "./env.ts";

/** Postgres' own schemas: nothing of the app lives there, and their contents cannot be restored. */
const SYSTEM_SCHEMA = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+)$/;

/**
 * Schemas BACKUP_SCHEMAS refuses, with the reason: Supabase's own services and secrets. Their tables hold
 * credentials (auth, vault, pgsodium) or machinery that runs SQL and HTTP requests when its rows are
 * restored (cron, net), and none of them is the app's data. `auth` gets a dedicated, encrypted path later.
 */
const REFUSED_SCHEMAS: Array<[RegExp, string]> = [
  [
    /^auth$/,
    "holds the users' password hashes, sessions and refresh tokens, which a plain backup file must not carry (an encrypted auth backup is planned separately)",
  ],
  [/^vault$/, "holds the project's encrypted secrets"],
  [/^pgsodium(_masks)?$/, "holds encryption keys"],
  [/^cron$/, "holds pg_cron's jobs, which run SQL as their owner"],
  [/^net$/, "holds pg_net's queue of HTTP requests"],
  [/^realtime$/, "belongs to Supabase Realtime"],
  [/^extensions$/, "holds extensions' objects, not app data"],
  [/^supabase_/, "belongs to Supabase's own services"],
  [/^pg_/, "is reserved for Postgres itself"],
];

/** Postgres identifiers as stored in the catalog: any text up to 63 bytes, no NUL. */
function validIdentifier(name: string): boolean {
  return name.length > 0 && new TextEncoder().encode(name).length <= 63 && !name.includes("\0");
}

/**
 * Splits a comma list of names. A name may be double-quoted, Postgres-style, to hold commas, dots or
 * leading spaces (`"My, Schema"`, `"odd""name"`); unquoted names are taken exactly as written (no case
 * folding: write them as the dashboard shows them). Returns null when a quote is left open.
 */
export function splitNames(raw: string): string[] | null {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"' && !quoted && (current.trim() === "" || current.endsWith("."))) {
      // A quoted name starts an entry or follows the dot of schema.table.
      current = current.trim() === "" ? '"' : `${current}"`;
      quoted = true;
    } else if (c === '"' && quoted) {
      if (raw[i + 1] === '"') {
        current += '""';
        i++;
      } else {
        current += '"';
        quoted = false;
      }
    } else if (c === "," && !quoted) {
      out.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  if (quoted) return null;
  out.push(current.trim());
  return out;
}

/** Reads one name at the start of `text`: `"quoted"` (with `""` inside) or the text up to `stop`. */
function readName(text: string, stop: string | null): { name: string; rest: string } | null {
  if (text.startsWith('"')) {
    let name = "";
    for (let i = 1; i < text.length; i++) {
      if (text[i] !== '"') {
        name += text[i];
      } else if (text[i + 1] === '"') {
        name += '"';
        i++;
      } else {
        return { name, rest: text.slice(i + 1) };
      }
    }
    return null;
  }
  const at = stop === null ? -1 : text.indexOf(stop);
  return at < 0 ? { name: text, rest: "" } : { name: text.slice(0, at), rest: text.slice(at) };
}

export function parseSchemas(env: Env, problems: ConfigProblem[]): string[] {
  const raw = env.BACKUP_SCHEMAS;
  if (raw === undefined || raw === "") return ["public"];
  const items = splitNames(raw);
  if (items === null) {
    problems.push({
      variable: "BACKUP_SCHEMAS",
      message: `BACKUP_SCHEMAS has an unclosed double quote in "${raw}": close it, or remove the quotes`,
    });
    return ["public"];
  }
  if (items.some((s) => s === "")) {
    problems.push({
      variable: "BACKUP_SCHEMAS",
      message: `BACKUP_SCHEMAS has an empty entry in "${raw}": list schema names separated by commas`,
    });
  }
  const names: string[] = [];
  for (const item of items.filter((s) => s !== "")) {
    const read = readName(item, null);
    if (!read || read.rest.trim() !== "") {
      problems.push({
        variable: "BACKUP_SCHEMAS",
        message:
          `BACKUP_SCHEMAS has an invalid entry "${item}": write a schema name, double-quoted if it holds a comma`,
      });
      continue;
    }
    names.push(read.name);
  }
  const schemas = [...new Set(names)];
  for (const s of schemas) {
    if (!validIdentifier(s)) {
      problems.push({
        variable: "BACKUP_SCHEMAS",
        message: `BACKUP_SCHEMAS has an invalid schema name "${s}": names are 1 to 63 bytes`,
      });
    } else if (SYSTEM_SCHEMA.test(s)) {
      problems.push({
        variable: "BACKUP_SCHEMAS",
        message:
          `BACKUP_SCHEMAS lists the system schema "${s}", which holds Postgres' own catalog and no app data: remove it and list your app's schemas (e.g. public)`,
      });
    } else {
      const refused = REFUSED_SCHEMAS.find(([pattern]) => pattern.test(s));
      if (refused) {
        problems.push({
          variable: "BACKUP_SCHEMAS",
          message: `BACKUP_SCHEMAS lists the schema "${s}", which ${
            refused[1]
          }: remove it and list your app's schemas (e.g. public)`,
        });
      }
    }
  }
  return schemas.length ? schemas : ["public"];
}

export function parseExcludes(env: Env, problems: ConfigProblem[]): ExcludedTable[] {
  const raw = value(env, "BACKUP_EXCLUDE_TABLES");
  if (!raw) return [];
  const items = splitNames(raw);
  if (items === null) {
    problems.push({
      variable: "BACKUP_EXCLUDE_TABLES",
      message:
        `BACKUP_EXCLUDE_TABLES has an unclosed double quote in "${raw}": close it, or remove the quotes`,
    });
    return [];
  }
  const out: ExcludedTable[] = [];
  for (const item of items.filter((s) => s !== "")) {
    // `table`, `schema.table`, or either part double-quoted when the name holds a dot or a comma.
    const first = readName(item, ".");
    let excluded: ExcludedTable | null = null;
    if (first && first.rest === "") excluded = { schema: null, name: first.name };
    else if (first && first.rest.startsWith(".")) {
      const second = readName(first.rest.slice(1), null);
      if (second && second.rest.trim() === "") excluded = { schema: first.name, name: second.name };
    }
    if (
      !excluded || (excluded.schema !== null && !validIdentifier(excluded.schema)) ||
      !validIdentifier(excluded.name)
    ) {
      problems.push({
        variable: "BACKUP_EXCLUDE_TABLES",
        message:
          `BACKUP_EXCLUDE_TABLES has an invalid entry "${item}": use "table" or "schema.table", separated by commas (double-quote a name that holds a dot or a comma)`,
      });
      continue;
    }
    out.push(excluded);
  }
  return out;
}
