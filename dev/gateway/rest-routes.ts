/**
 * `/rest/v1`: the PostgREST subset supabase-js produces for this app (see postgrest-query.ts),
 * executed as the caller's role with `request.jwt.claims` set, so Postgres enforces RLS and grants.
 * Responses and errors follow PostgREST's: JSON built by Postgres itself, `Content-Range`, status
 * codes mapped from SQLSTATEs, `{code, message, details, hint}` error bodies.
 */
import { Hono, type Context } from "hono";
import type pg from "pg";
import { callerFromToken, bearerToken, TokenError, type ApiKeys, type Caller } from "./api-keys.ts";
import { quoteIdent, RoleError, withCallerTransaction, type Db } from "./caller-transaction.ts";
import {
  buildDelete,
  buildInsert,
  buildRead,
  buildUpdate,
  insertColumns,
  Params,
  parsePreferences,
  parseReadQuery,
  renderJsonAggregate,
  renderLimit,
  renderOrder,
  renderSelectList,
  renderWhere,
  RestError,
  unsupported,
  type ReadQuery,
  type SqlText,
} from "./postgrest-query.ts";

export interface RestContext {
  pool: pg.Pool;
  jwtSecret: string;
  keys: ApiKeys;
  /** Schemas exposed through the API (Supabase exposes `public` by default). */
  schemas: string[];
}

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

/** PostgREST's SQLSTATE → HTTP status table. */
export function statusForSqlState(code: string, role: string): number {
  if (code === "42501") return role === "anon" ? 401 : 403;
  const exact: Record<string, number> = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    "53400": 500,
    P0001: 400,
    "42883": 404,
    "42P01": 404,
    "42P17": 500,
  };
  if (code in exact) return exact[code] as number;
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  const prefixes: Array<[string, number]> = [
    ["08", 503],
    ["09", 500],
    ["0L", 403],
    ["0P", 403],
    ["25", 500],
    ["28", 403],
    ["2D", 500],
    ["38", 500],
    ["39", 500],
    ["3B", 500],
    ["40", 500],
    ["53", 503],
    ["54", 500],
    ["55", 500],
    ["57", 500],
    ["58", 500],
    ["F0", 500],
    ["HV", 500],
    ["P0", 500],
    ["XX", 500],
  ];
  for (const [prefix, status] of prefixes) if (code.startsWith(prefix)) return status;
  return 400;
}

export function restErrorFromPostgres(error: unknown, role: string): RestError {
  const e = error as PgError;
  const code = e.code ?? "XX000";
  return new RestError(statusForSqlState(code, role), {
    code,
    message: e.message ?? String(error),
    details: e.detail ?? null,
    hint: e.hint ?? null,
  });
}

function tokenErrorResponse(c: Context, error: TokenError): Response {
  const expired = error.problem === "expired";
  c.header("WWW-Authenticate", `Bearer error="invalid_token", error_description="${error.message}"`);
  return c.json(
    { code: expired ? "PGRST303" : "PGRST301", details: null, hint: null, message: error.message },
    401,
  );
}

function sendError(c: Context, error: unknown, role: string): Response {
  if (error instanceof TokenError) return tokenErrorResponse(c, error);
  if (error instanceof RoleError) {
    return c.json({ code: "22023", details: null, hint: null, message: error.message }, 400);
  }
  const rest = error instanceof RestError ? error : restErrorFromPostgres(error, role);
  return c.json(rest.body, rest.status as 400);
}

async function resolveCaller(ctx: RestContext, c: Context): Promise<Caller> {
  const token = bearerToken(c.req.header("authorization")) ?? c.req.header("apikey") ?? c.req.query("apikey");
  if (!token) throw new TokenError("missing", "No API key found in request");
  return callerFromToken(ctx.jwtSecret, ctx.keys, token);
}

function schemaOf(ctx: RestContext, c: Context, header: "accept-profile" | "content-profile"): string {
  const requested = c.req.header(header);
  const schema = requested ?? ctx.schemas[0] ?? "public";
  if (!ctx.schemas.includes(schema)) {
    throw new RestError(406, {
      code: "PGRST106",
      message: `The schema must be one of the following: ${ctx.schemas.join(", ")}`,
      details: null,
      hint: null,
    });
  }
  return schema;
}

interface Representation {
  single: boolean;
  stripNulls: boolean;
}

function representation(accept: string | undefined): Representation {
  const types = (accept ?? "application/json")
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  for (const type of types) {
    const [media, ...params] = type.split(";").map((s) => s.trim());
    const stripNulls = params.includes("nulls=stripped");
    if (media === "application/vnd.pgrst.object+json" || media === "application/vnd.pgrst.object") {
      return { single: true, stripNulls };
    }
    if (media === "application/json" || media === "*/*" || media === "application/vnd.pgrst.array+json") {
      return { single: false, stripNulls };
    }
    if (
      media === "text/csv" ||
      media === "application/geo+json" ||
      media?.startsWith("application/vnd.pgrst.plan")
    ) {
      throw unsupported(`the "${media}" response format`);
    }
  }
  throw new RestError(406, {
    code: "PGRST107",
    message: `None of these media types are available: ${types.join(", ")}`,
    details: null,
    hint: null,
  });
}

async function requireRelation(db: Db, schema: string, name: string, kinds: string[]): Promise<string> {
  const found = await db.query<{ relkind: string }>(
    `select c.relkind from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2 and c.relkind = any($3)`,
    [schema, name, kinds],
  );
  if (!found.rows.length) {
    throw new RestError(404, {
      code: "PGRST205",
      message: `Could not find the table '${schema}.${name}' in the schema cache`,
      details: null,
      hint: null,
    });
  }
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** Sends rows that Postgres already rendered as a JSON array, as an array or a single object. */
function sendRows(
  c: Context,
  rows: { n: number; body: string },
  rep: Representation,
  status: number,
  contentRange: string | undefined,
): Response {
  if (contentRange) c.header("Content-Range", contentRange);
  if (rep.single) {
    if (rows.n !== 1) {
      return c.json(
        {
          code: "PGRST116",
          details: `The result contains ${rows.n} rows`,
          hint: null,
          message: "JSON object requested, multiple (or no) rows returned",
        },
        406,
      );
    }
    // The single element of a one-element JSON array Postgres produced: strip the brackets.
    const body = rows.body.trim();
    c.header("Content-Type", "application/vnd.pgrst.object+json; charset=utf-8");
    return c.req.method === "HEAD" ? c.body(null, status as 200) : c.body(body.slice(1, -1), status as 200);
  }
  c.header("Content-Type", "application/json; charset=utf-8");
  return c.req.method === "HEAD" ? c.body(null, status as 200) : c.body(rows.body, status as 200);
}

function readRange(offset: number, n: number, total: number | undefined): string {
  const range = n > 0 ? `${offset}-${offset + n - 1}` : "*";
  return `${range}/${total ?? "*"}`;
}

async function runJsonQuery(db: Db, sql: SqlText): Promise<{ n: number; body: string }> {
  const result = await db.query<{ n: number; body: string }>(sql.text, sql.values);
  return result.rows[0] ?? { n: 0, body: "[]" };
}

async function readBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "application/json";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw unsupported(`request bodies of type "${type}" (only application/json)`);
  }
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RestError(400, {
      code: "PGRST102",
      message: "Empty or invalid json",
      details: (error as Error).message,
      hint: null,
    });
  }
}

interface FunctionInfo {
  oid: number;
  retset: boolean;
  retType: string;
  retKind: string;
  inputs: Array<{ name: string; type: string }>;
  required: number;
  variadic: boolean;
}

async function findFunction(
  db: Db,
  schema: string,
  name: string,
  argNames: string[],
  wholeBody: boolean,
): Promise<FunctionInfo> {
  const rows = (
    await db.query<{
      oid: number;
      proretset: boolean;
      rettype: string;
      typtype: string;
      pronargs: number;
      pronargdefaults: number;
      argnames: string[] | null;
      argmodes: string[] | null;
      intypes: string[];
      alltypes: string[] | null;
    }>(
      `select p.oid::int as oid, p.proretset, format_type(p.prorettype, null) as rettype, t.typtype::text as typtype,
              p.pronargs::int as pronargs, p.pronargdefaults::int as pronargdefaults, p.proargnames as argnames,
              p.proargmodes::text[] as argmodes,
              array(select format_type(x, null) from unnest(p.proargtypes::oid[]) with ordinality as a(x, i) order by i) as intypes,
              case when p.proallargtypes is null then null
                else array(select format_type(x, null) from unnest(p.proallargtypes) with ordinality as a(x, i) order by i) end as alltypes
       from pg_catalog.pg_proc p
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       join pg_catalog.pg_type t on t.oid = p.prorettype
       where n.nspname = $1 and p.proname = $2 and p.prokind = 'f'`,
      [schema, name],
    )
  ).rows;
  const candidates: FunctionInfo[] = rows.map((r) => {
    const inputs: Array<{ name: string; type: string }> = [];
    let variadic = false;
    if (!r.argmodes) {
      r.intypes.forEach((type, i) => inputs.push({ name: r.argnames?.[i] ?? "", type }));
    } else {
      r.argmodes.forEach((mode, i) => {
        if (mode === "v") variadic = true;
        if (mode === "i" || mode === "b" || mode === "v") {
          inputs.push({ name: r.argnames?.[i] ?? "", type: r.alltypes?.[i] ?? "unknown" });
        }
      });
    }
    return {
      oid: r.oid,
      retset: r.proretset,
      retType: r.rettype,
      retKind: r.typtype,
      inputs,
      required: r.pronargs - r.pronargdefaults,
      variadic,
    };
  });
  const matches = candidates.filter((f) => {
    if (wholeBody)
      return f.inputs.length === 1 && !f.inputs[0]?.name && /^jsonb?$/.test(f.inputs[0]?.type ?? "");
    const names = f.inputs.map((i) => i.name);
    if (argNames.some((a) => !names.includes(a))) return false;
    return f.inputs.slice(0, f.required).every((i) => argNames.includes(i.name));
  });
  if (matches.length === 0) {
    throw new RestError(404, {
      code: "PGRST202",
      message: `Could not find the function ${schema}.${name}(${argNames.join(", ")}) in the schema cache`,
      details: null,
      hint: null,
    });
  }
  if (matches.length > 1) {
    throw new RestError(300, {
      code: "PGRST203",
      message: `Could not choose the best candidate function between overloads of ${schema}.${name}`,
      details: null,
      hint: "Rename the overloaded functions or give their arguments different names.",
    });
  }
  const match = matches[0] as FunctionInfo;
  if (match.variadic) throw unsupported("variadic function arguments");
  return match;
}

/** Renders one argument; Postgres converts the value to the parameter's declared type. */
function renderArgument(params: Params, type: string, value: unknown, fromQuery: boolean): string {
  if (value === null || value === undefined) return `null::${type}`;
  if (fromQuery) return `${params.add(String(value))}::${type}`;
  if (type === "json" || type === "jsonb") return `${params.add(JSON.stringify(value))}::${type}`;
  if (type.endsWith("[]") && Array.isArray(value)) {
    return `array(select jsonb_array_elements_text(${params.add(JSON.stringify(value))}::jsonb))::${type}`;
  }
  if (typeof value === "object") return `${params.add(JSON.stringify(value))}::${type}`;
  return `${params.add(String(value))}::${type}`;
}

async function handleRpc(ctx: RestContext, c: Context): Promise<Response> {
  const method = c.req.method;
  if (method !== "GET" && method !== "POST" && method !== "HEAD") {
    return c.json(
      { code: "PGRST101", details: null, hint: null, message: "Only GET and POST verbs are allowed" },
      405,
    );
  }
  let role = "anon";
  try {
    const caller = await resolveCaller(ctx, c);
    role = caller.role;
    const name = c.req.param("fn") as string;
    const schema = schemaOf(ctx, c, method === "POST" ? "content-profile" : "accept-profile");
    const rep = representation(c.req.header("accept"));
    const prefs = parsePreferences(
      c.req.raw.headers.get("prefer") ? [c.req.raw.headers.get("prefer") as string] : [],
    );
    const url = new URL(c.req.url);

    let args: Record<string, unknown> = {};
    let wholeBody: unknown;
    const filterParams = new URLSearchParams();
    if (method === "POST") {
      const body = await readBody(c);
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        wholeBody = body;
      } else args = body as Record<string, unknown>;
      for (const [k, v] of url.searchParams) filterParams.append(k, v);
    }

    return await withCallerTransaction(
      ctx.pool,
      caller,
      async (db) => {
        // GET arguments and filters share the query string: arguments are the function's names.
        const probe = await findFunctionForGet(db, schema, name, url.searchParams, method !== "POST");
        if (method !== "POST") {
          args = probe.args;
          for (const [k, v] of probe.rest) filterParams.append(k, v);
        }
        const fn =
          wholeBody !== undefined
            ? await findFunction(db, schema, name, [], true)
            : await findFunction(db, schema, name, Object.keys(args), false);
        const params = new Params();
        const argsSql =
          wholeBody !== undefined
            ? renderArgument(params, fn.inputs[0]?.type ?? "json", wholeBody, false)
            : fn.inputs
                .filter((i) => i.name in args)
                .map(
                  (i) =>
                    `${quoteIdent(i.name)} => ${renderArgument(params, i.type, args[i.name], method !== "POST")}`,
                )
                .join(", ");
        const call = `${quoteIdent(schema)}.${quoteIdent(name)}(${argsSql})`;
        const query: ReadQuery = parseReadQuery(filterParams, c.req.header("range") ?? null);

        if (fn.retset || fn.retKind === "c") {
          if (fn.retKind !== "c") throw unsupported("functions returning a set of scalar values");
          const where = renderWhere(query.filters, "_t", params);
          const rowsSql = `select ${renderSelectList(query.select, "_t")} from ${call} as _t${where}${renderOrder(query.order, "_t")}${renderLimit(query, params)}`;
          const rows = await runJsonQuery(db, {
            text: renderJsonAggregate(rowsSql, rep.stripNulls),
            values: params.values,
          });
          if (!fn.retset) {
            return sendRows(c, rows, { ...rep, single: true }, 200, undefined);
          }
          const range = readRange(query.offset ?? 0, rows.n, prefs.count ? rows.n : undefined);
          return sendRows(c, rows, rep, 200, range);
        }
        if (
          query.filters.length ||
          query.order.length ||
          query.limit !== undefined ||
          query.select.some((s) => s.kind !== "star")
        ) {
          throw unsupported("filters, order, limit or select on a function returning a single value");
        }
        if (fn.retType === "void") {
          await db.query(`select ${call}`, params.values);
          return c.body(null, 204);
        }
        const result = await db.query<{ body: string }>(
          `select to_json(${call})::text as body`,
          params.values,
        );
        c.header("Content-Type", "application/json; charset=utf-8");
        return method === "HEAD" ? c.body(null, 200) : c.body(result.rows[0]?.body ?? "null", 200);
      },
      { readOnly: method !== "POST" },
    );
  } catch (error) {
    return sendError(c, error, role);
  }
}

/** Splits a GET query string into function arguments and the remaining (filter) parameters. */
async function findFunctionForGet(
  db: Db,
  schema: string,
  name: string,
  search: URLSearchParams,
  isGet: boolean,
): Promise<{ args: Record<string, string>; rest: URLSearchParams }> {
  const rest = new URLSearchParams();
  const args: Record<string, string> = {};
  if (!isGet) return { args, rest };
  const names = new Set(
    (
      await db.query<{ name: string }>(
        `select distinct unnest(p.proargnames) as name from pg_catalog.pg_proc p
         join pg_catalog.pg_namespace n on n.oid = p.pronamespace where n.nspname = $1 and p.proname = $2`,
        [schema, name],
      )
    ).rows.map((r) => r.name),
  );
  for (const [key, value] of search) {
    if (names.has(key) && !["select", "order", "limit", "offset"].includes(key)) args[key] = value;
    else rest.append(key, value);
  }
  return { args, rest };
}

async function handleTable(ctx: RestContext, c: Context): Promise<Response> {
  const method = c.req.method;
  let role = "anon";
  try {
    const caller = await resolveCaller(ctx, c);
    role = caller.role;
    const name = decodeURIComponent(c.req.param("table") as string);
    const url = new URL(c.req.url);
    const rep = representation(c.req.header("accept"));
    const prefs = parsePreferences(
      c.req.raw.headers.get("prefer") ? [c.req.raw.headers.get("prefer") as string] : [],
    );
    if (url.searchParams.has("on_conflict")) throw unsupported("upserts (on_conflict)");

    if (method === "GET" || method === "HEAD") {
      const schema = schemaOf(ctx, c, "accept-profile");
      const query = parseReadQuery(url.searchParams, c.req.header("range") ?? null);
      let table = "";
      return await withCallerTransaction(
        ctx.pool,
        caller,
        async (db) => {
          const sql = buildRead(table, query, rep.stripNulls);
          const rows = await runJsonQuery(db, sql.rows);
          let total: number | undefined;
          if (prefs.count) {
            const counted = await db.query<{ total: string }>(sql.count.text, sql.count.values);
            total = Number(counted.rows[0]?.total ?? 0);
          }
          const offset = query.offset ?? 0;
          const partial = total !== undefined && rows.n < total && !rep.single;
          if (total !== undefined && offset > 0 && offset >= total && total > 0) {
            c.header("Content-Range", `*/${total}`);
            return c.json(
              {
                code: "PGRST103",
                details: `An offset of ${offset} was requested, but there are only ${total} rows.`,
                hint: null,
                message: "Requested range not satisfiable",
              },
              416,
            );
          }
          return sendRows(c, rows, rep, partial ? 206 : 200, readRange(offset, rows.n, total));
        },
        {
          readOnly: true,
          beforeRole: async (db) => {
            table = await requireRelation(db, schema, name, ["r", "v", "m", "f", "p"]);
          },
        },
      );
    }

    if (method === "POST" || method === "PATCH" || method === "DELETE") {
      const schema = schemaOf(ctx, c, "content-profile");
      const query = parseReadQuery(url.searchParams, null);
      if (query.limit !== undefined || query.offset !== undefined)
        throw unsupported(`limit or offset on ${method}`);
      if (query.order.length) throw unsupported(`order on ${method}`);
      const returning = query.select;
      const body = method === "DELETE" ? undefined : await readBody(c);
      let table = "";
      return await withCallerTransaction(
        ctx.pool,
        caller,
        async (db) => {
          let sql: SqlText;
          if (method === "POST") {
            if (query.filters.length) throw unsupported("filters on an insert");
            const rows = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
            if (rows.some((r) => r === null || typeof r !== "object" || Array.isArray(r))) {
              throw new RestError(400, {
                code: "PGRST102",
                message: "Expected a JSON object or an array of objects",
                details: null,
                hint: null,
              });
            }
            if (!rows.length)
              return sendRows(c, { n: 0, body: "[]" }, rep, prefs.return === "minimal" ? 201 : 201, "*/0");
            sql = buildInsert(
              table,
              rows,
              insertColumns(rows, url.searchParams.get("columns")),
              returning,
              rep.stripNulls,
            );
          } else if (method === "PATCH") {
            if (body === null || typeof body !== "object" || Array.isArray(body)) {
              throw new RestError(400, {
                code: "PGRST102",
                message: "Expected a JSON object for an update",
                details: null,
                hint: null,
              });
            }
            if (!Object.keys(body).length) return c.body(null, 204);
            sql = buildUpdate(
              table,
              body as Record<string, unknown>,
              query.filters,
              returning,
              rep.stripNulls,
            );
          } else {
            sql = buildDelete(table, query.filters, returning, rep.stripNulls);
          }
          const rows = await runJsonQuery(db, sql);
          const range = `*/${prefs.count ? rows.n : "*"}`;
          if (prefs.return === "minimal") {
            c.header("Content-Range", range);
            return c.body(null, method === "POST" ? 201 : 204);
          }
          return sendRows(c, rows, rep, method === "POST" ? 201 : 200, range);
        },
        {
          beforeRole: async (db) => {
            table = await requireRelation(db, schema, name, ["r", "v", "f", "p"]);
          },
        },
      );
    }
    if (method === "PUT") throw unsupported("PUT (single-row upsert)");
    return c.json(
      { code: "PGRST117", details: null, hint: null, message: `Unsupported HTTP method: ${method}` },
      405,
    );
  } catch (error) {
    return sendError(c, error, role);
  }
}

export function createRestRoutes(ctx: RestContext): Hono {
  const app = new Hono();
  app.all("/rpc/:fn", (c) => handleRpc(ctx, c));
  app.all("/:table", (c) => handleTable(ctx, c));
  app.get("/", (c) => sendError(c, unsupported("the OpenAPI description (GET /rest/v1/)"), "anon"));
  app.all("*", (c) =>
    c.json(
      {
        code: "PGRST125",
        details: null,
        hint: null,
        message: `Invalid path specified in request URL: ${c.req.path}`,
      },
      404,
    ),
  );
  return app;
}
