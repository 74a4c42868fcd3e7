/**
 * The subset of PostgREST's URL syntax the local gateway understands, parsed into a small query
 * model and rendered to parameterised SQL. Everything else is refused with an explicit error
 * (`RestError`, 501 for valid PostgREST syntax the gateway does not implement, 400 for syntax
 * PostgREST itself would refuse): a wrong answer is worse than no answer.
 *
 * Supported:
 *   select=*, col, alias:col, "quoted col"
 *   filters col=op.value with op in eq neq gt gte lt lte like ilike in is, each optionally not.
 *   order=col[.asc|.desc][.nullsfirst|.nullslast],…   limit=  offset=   Range: a-b
 *   columns= (insert)
 */
import { quoteIdent } from "./caller-transaction.ts";

export interface RestErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: RestErrorBody,
  ) {
    super(body.message);
  }
}

const UNSUPPORTED_HINT =
  "The local gateway (dev/gateway) implements only the PostgREST subset this app uses; run the query against a hosted Supabase project, or extend dev/gateway/postgrest-query.ts.";

export function unsupported(feature: string, details: string | null = null): RestError {
  return new RestError(501, {
    code: "LOCAL501",
    message: `Cannot run this request: the local gateway does not support ${feature}`,
    details,
    hint: UNSUPPORTED_HINT,
  });
}

export function parseError(message: string, details: string | null = null): RestError {
  return new RestError(400, { code: "PGRST100", message, details, hint: null });
}

export type SelectItem = { kind: "star" } | { kind: "column"; column: string; alias: string };

export interface Filter {
  column: string;
  negate: boolean;
  operator: "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "like" | "ilike" | "in" | "is";
  value: string | string[];
}

export interface OrderTerm {
  column: string;
  direction: "asc" | "desc";
  nulls?: "first" | "last";
}

export interface ReadQuery {
  select: SelectItem[];
  filters: Filter[];
  order: OrderTerm[];
  limit?: number;
  offset?: number;
}

const RESERVED = new Set(["select", "order", "limit", "offset", "columns", "on_conflict"]);
const COMPARISONS = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;
const KNOWN_UNSUPPORTED_OPERATORS = new Set([
  "cs",
  "cd",
  "ov",
  "sl",
  "sr",
  "nxl",
  "nxr",
  "adj",
  "fts",
  "plfts",
  "phfts",
  "wfts",
  "match",
  "imatch",
  "isdistinct",
  "like(any)",
  "like(all)",
  "ilike(any)",
  "ilike(all)",
]);

/** Splits on commas outside double quotes and parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"' && text[i - 1] !== "\\") quoted = !quoted;
    if (!quoted && ch === "(") depth++;
    if (!quoted && ch === ")") depth--;
    if (!quoted && depth === 0 && ch === ",") {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
    return name.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, "\\");
  }
  return name;
}

function checkPlainColumn(name: string, where: string): string {
  if (name.startsWith('"')) return unquote(name);
  if (name.includes("->")) throw unsupported(`JSON path access ("${name}") in ${where}`);
  if (name.includes("::")) throw unsupported(`casting ("${name}") in ${where}`);
  if (name.includes("(") || name.includes(")"))
    throw unsupported(`computed or embedded columns ("${name}") in ${where}`);
  if (name.includes("!")) throw unsupported(`embedding hints ("${name}") in ${where}`);
  if (name.includes(".")) throw unsupported(`referencing another table ("${name}") in ${where}`);
  if (!name) throw parseError(`"failed to parse ${where}": empty column name`);
  return name;
}

export function parseSelect(select: string | null): SelectItem[] {
  if (select === null || select === "*") return [{ kind: "star" }];
  if (select.trim() === "") return [];
  return splitTopLevel(select).map((raw) => {
    const item = raw.trim();
    if (item === "*") return { kind: "star" } as const;
    if (item.startsWith("...")) throw unsupported(`spreading embedded resources ("${item}")`);
    if (item.includes("(")) {
      throw unsupported(
        /^\w*\(\)$|\.\w+\(\)$/.test(item)
          ? `aggregate functions ("${item}")`
          : `embedded resources ("${item}")`,
        "Select the columns of one table at a time, or create a view or an RPC function.",
      );
    }
    let alias: string | undefined;
    let column = item;
    const aliasMatch = /^("(?:[^"\\]|\\.)*"|[^:"]+):(?!:)(.+)$/.exec(item);
    if (aliasMatch) {
      alias = unquote(aliasMatch[1] as string);
      column = aliasMatch[2] as string;
    }
    const name = checkPlainColumn(column, "select");
    return { kind: "column", column: name, alias: alias ?? name } as const;
  });
}

/** Parses `(a,b,"c,d")` as PostgREST does for `in`. */
function parseList(value: string, raw: string): string[] {
  if (!value.startsWith("(") || !value.endsWith(")")) {
    throw parseError(`failed to parse filter (${raw})`, 'Expected a list like in.(a,b,"c,d")');
  }
  const inner = value.slice(1, -1);
  if (inner === "") return [];
  const items: string[] = [];
  let current = "";
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] as string;
    if (quoted) {
      if (ch === "\\" && i + 1 < inner.length) {
        current += inner[++i];
      } else if (ch === '"') {
        quoted = false;
      } else current += ch;
    } else if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ",") {
      items.push(wasQuoted ? current : current.trim());
      current = "";
      wasQuoted = false;
    } else current += ch;
  }
  items.push(wasQuoted ? current : current.trim());
  return items;
}

export function parseFilter(column: string, expression: string): Filter {
  const raw = `${column}=${expression}`;
  if (column === "or" || column === "and" || column === "not.or" || column === "not.and") {
    throw unsupported(`logical operators ("${column}=…")`, raw);
  }
  const name = checkPlainColumn(column, "filters");
  let rest = expression;
  let negate = false;
  if (rest.startsWith("not.")) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf(".");
  const operator = dot === -1 ? rest : rest.slice(0, dot);
  const value = dot === -1 ? "" : rest.slice(dot + 1);
  if (operator in COMPARISONS || operator === "like" || operator === "ilike") {
    if (dot === -1) throw parseError(`failed to parse filter (${raw})`);
    return { column: name, negate, operator: operator as Filter["operator"], value };
  }
  if (operator === "in") return { column: name, negate, operator: "in", value: parseList(value, raw) };
  if (operator === "is") {
    if (!["null", "not_null", "true", "false", "unknown"].includes(value)) {
      throw parseError(
        `failed to parse filter (${raw})`,
        "is. accepts null, not_null, true, false or unknown",
      );
    }
    return { column: name, negate, operator: "is", value };
  }
  const bare = operator.replace(/\(.*\)$/, "");
  if (
    KNOWN_UNSUPPORTED_OPERATORS.has(operator) ||
    KNOWN_UNSUPPORTED_OPERATORS.has(bare) ||
    /\((any|all)\)$/.test(operator)
  ) {
    throw unsupported(`the "${operator}" filter operator`, raw);
  }
  throw parseError(`failed to parse filter (${raw})`, `Unknown operator "${operator}"`);
}

export function parseOrder(order: string | null): OrderTerm[] {
  if (order === null || order === "") return [];
  return splitTopLevel(order).map((term) => {
    const parts = term.split(".");
    const column = checkPlainColumn(parts[0] as string, "order");
    const result: OrderTerm = { column, direction: "asc" };
    for (const modifier of parts.slice(1)) {
      if (modifier === "asc" || modifier === "desc") result.direction = modifier;
      else if (modifier === "nullsfirst") result.nulls = "first";
      else if (modifier === "nullslast") result.nulls = "last";
      else throw parseError(`"failed to parse order (${term})"`, `Unknown modifier "${modifier}"`);
    }
    return result;
  });
}

function parseCount(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw parseError(`"failed to parse ${name} parameter (${value})"`);
  return Number(value);
}

/**
 * Reads a request's URL (and `Range` header) into a query. `allowed` lists the reserved
 * parameters that make sense for the request's method.
 */
export function parseReadQuery(params: URLSearchParams, range: string | null): ReadQuery {
  const query: ReadQuery = {
    select: parseSelect(params.get("select")),
    filters: [],
    order: parseOrder(params.get("order")),
  };
  const limit = parseCount(params.get("limit"), "limit");
  const offset = parseCount(params.get("offset"), "offset");
  if (limit !== undefined) query.limit = limit;
  if (offset !== undefined) query.offset = offset;
  if (range) {
    const match = /^(?:items=)?(\d+)-(\d*)$/.exec(range.trim());
    if (!match)
      throw new RestError(416, {
        code: "PGRST103",
        message: "Requested range not satisfiable",
        details: range,
        hint: null,
      });
    if (limit !== undefined || offset !== undefined) {
      throw unsupported("combining a Range header with limit or offset parameters");
    }
    query.offset = Number(match[1]);
    if (match[2]) query.limit = Math.max(0, Number(match[2]) - Number(match[1]) + 1);
  }
  for (const [key, value] of params) {
    if (RESERVED.has(key)) continue;
    if (key.includes(".") && !key.startsWith('"') && key !== "not.or" && key !== "not.and") {
      throw unsupported(`parameters on embedded resources ("${key}")`);
    }
    query.filters.push(parseFilter(key, value));
  }
  return query;
}

export interface SqlText {
  text: string;
  values: unknown[];
}

/** Accumulates parameters while rendering. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function renderWhere(filters: Filter[], alias: string, params: Params): string {
  if (!filters.length) return "";
  const conditions = filters.map((f) => {
    const column = `${alias}.${quoteIdent(f.column)}`;
    let condition: string;
    switch (f.operator) {
      case "eq":
      case "neq":
      case "gt":
      case "gte":
      case "lt":
      case "lte":
        condition = `${column} ${COMPARISONS[f.operator]} ${params.add(f.value)}`;
        break;
      case "like":
      case "ilike":
        // PostgREST lets `*` stand for `%`, which URLs mangle.
        condition = `${column} ${f.operator} ${params.add((f.value as string).replace(/\*/g, "%"))}`;
        break;
      case "in":
        condition = `${column} = any(${params.add(f.value)})`;
        break;
      case "is":
        condition = `${column} is ${f.value === "not_null" ? "not null" : f.value}`;
        break;
    }
    return f.negate ? `not (${condition})` : condition;
  });
  return ` where ${conditions.join(" and ")}`;
}

export function renderSelectList(items: SelectItem[], alias: string): string {
  return items
    .map((item) =>
      item.kind === "star"
        ? `${alias}.*`
        : `${alias}.${quoteIdent(item.column)} as ${quoteIdent(item.alias)}`,
    )
    .join(", ");
}

export function renderOrder(order: OrderTerm[], alias: string): string {
  if (!order.length) return "";
  const terms = order.map(
    (o) => `${alias}.${quoteIdent(o.column)} ${o.direction}${o.nulls ? ` nulls ${o.nulls}` : ""}`,
  );
  return ` order by ${terms.join(", ")}`;
}

export function renderLimit(query: Pick<ReadQuery, "limit" | "offset">, params: Params): string {
  let sql = "";
  if (query.limit !== undefined) sql += ` limit ${params.add(query.limit)}`;
  if (query.offset !== undefined) sql += ` offset ${params.add(query.offset)}`;
  return sql;
}

/**
 * How rows leave Postgres: already as JSON text, so numbers keep every digit and types render as
 * PostgREST renders them (Postgres' own `to_json`).
 */
export function renderJsonAggregate(rowsSql: string, stripNulls: boolean): string {
  const row = stripNulls ? "json_strip_nulls(to_json(_row))" : "to_json(_row)";
  return `select count(*)::int as n, coalesce(json_agg(${row}), '[]')::text as body from (${rowsSql}) as _row`;
}

export function buildRead(
  table: string,
  query: ReadQuery,
  stripNulls: boolean,
): { rows: SqlText; count: SqlText } {
  const params = new Params();
  const where = renderWhere(query.filters, "_t", params);
  const rowsSql = `select ${renderSelectList(query.select, "_t")} from ${table} as _t${where}${renderOrder(query.order, "_t")}${renderLimit(query, params)}`;
  const countParams = new Params();
  const countWhere = renderWhere(query.filters, "_t", countParams);
  return {
    rows: { text: renderJsonAggregate(rowsSql, stripNulls), values: params.values },
    count: {
      text: `select count(*)::bigint as total from ${table} as _t${countWhere}`,
      values: countParams.values,
    },
  };
}

/** The columns of an insert: the `columns` parameter, else the keys shared by every object. */
export function insertColumns(rows: Record<string, unknown>[], columnsParam: string | null): string[] {
  if (columnsParam !== null) {
    return splitTopLevel(columnsParam).map((c) => checkPlainColumn(c.trim(), "columns"));
  }
  const first = rows[0];
  if (!first) return [];
  const keys = Object.keys(first);
  for (const row of rows) {
    const other = Object.keys(row);
    if (other.length !== keys.length || other.some((k) => !(k in first))) {
      throw new RestError(400, {
        code: "PGRST102",
        message: "All object keys must match",
        details: null,
        hint: null,
      });
    }
  }
  return keys;
}

export function buildInsert(
  table: string,
  rows: Record<string, unknown>[],
  columns: string[],
  returning: SelectItem[],
  stripNulls: boolean,
): SqlText {
  const params = new Params();
  const list = columns.map(quoteIdent).join(", ");
  const source = `json_populate_recordset(null::${table}, ${params.add(JSON.stringify(rows))}::json)`;
  const insert = columns.length
    ? `insert into ${table} as _t (${list}) select ${list} from ${source} returning _t.*`
    : `insert into ${table} as _t default values returning _t.*`;
  return {
    text: `with _written as (${insert}) ${renderJsonAggregate(`select ${renderSelectList(returning, "_t")} from _written as _t`, stripNulls)}`,
    values: params.values,
  };
}

export function buildUpdate(
  table: string,
  patch: Record<string, unknown>,
  filters: Filter[],
  returning: SelectItem[],
  stripNulls: boolean,
): SqlText {
  const params = new Params();
  const columns = Object.keys(patch);
  const source = `json_populate_record(null::${table}, ${params.add(JSON.stringify(patch))}::json)`;
  const assignments = columns.map((c) => `${quoteIdent(c)} = _r.${quoteIdent(c)}`).join(", ");
  const where = renderWhere(filters, "_t", params);
  const update = `update ${table} as _t set ${assignments} from ${source} as _r${where} returning _t.*`;
  return {
    text: `with _written as (${update}) ${renderJsonAggregate(`select ${renderSelectList(returning, "_t")} from _written as _t`, stripNulls)}`,
    values: params.values,
  };
}

export function buildDelete(
  table: string,
  filters: Filter[],
  returning: SelectItem[],
  stripNulls: boolean,
): SqlText {
  const params = new Params();
  const where = renderWhere(filters, "_t", params);
  return {
    text: `with _written as (delete from ${table} as _t${where} returning _t.*) ${renderJsonAggregate(`select ${renderSelectList(returning, "_t")} from _written as _t`, stripNulls)}`,
    values: params.values,
  };
}

export interface Preferences {
  return: "minimal" | "representation";
  count: boolean;
}

/** Reads `Prefer`; preferences that would change the result in ways not implemented are refused. */
export function parsePreferences(headers: string[]): Preferences {
  const result: Preferences = { return: "minimal", count: false };
  for (const header of headers) {
    for (const raw of header.split(",")) {
      const item = raw.trim();
      if (!item) continue;
      const [key, value] = item.split("=").map((s) => s.trim()) as [string, string | undefined];
      if (key === "return") {
        if (value === "representation" || value === "minimal") result.return = value;
        else throw unsupported(`"Prefer: return=${value}"`);
      } else if (key === "count") {
        // planned and estimated are answered with the exact count: always right, maybe slower.
        if (value === "exact" || value === "planned" || value === "estimated") result.count = true;
        else throw parseError(`Invalid preference "count=${value}"`);
      } else if (key === "handling" && value === "lenient") {
        continue;
      } else {
        throw unsupported(`"Prefer: ${item}"`);
      }
    }
  }
  return result;
}
