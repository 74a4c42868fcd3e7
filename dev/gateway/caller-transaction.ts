/**
 * Runs database work as the API caller, the way PostgREST and Supabase Storage do: one transaction,
 * `role` switched to the caller's role and `request.jwt.claims` set, both local to the transaction.
 * Row level security is therefore Postgres' own, never re-implemented here.
 */
import type pg from "pg";
import type { Caller } from "./api-keys.ts";

export type Db = Pick<pg.PoolClient, "query">;

/** The roles a token may switch to; anything else is refused before reaching Postgres. */
export const API_ROLES = new Set(["anon", "authenticated", "service_role"]);

export class RoleError extends Error {
  constructor(readonly role: string) {
    super(`role "${role}" does not exist`);
  }
}

export interface TransactionOptions {
  readOnly?: boolean;
  /** Work to run before switching role (e.g. catalog lookups as the database owner). */
  beforeRole?: (db: Db) => Promise<void>;
}

export async function withCallerTransaction<T>(
  pool: pg.Pool,
  caller: Caller,
  work: (db: Db) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (!API_ROLES.has(caller.role)) throw new RoleError(caller.role);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(options.readOnly ? "begin read only" : "begin");
    if (options.beforeRole) await options.beforeRole(client);
    await client.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [
      caller.role,
      JSON.stringify(caller.claims),
    ]);
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    try {
      await client.query("rollback");
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Work as the database owner, in a transaction (auth tables, catalog lookups). */
export async function withOwnerTransaction<T>(pool: pg.Pool, work: (db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("begin");
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    try {
      await client.query("rollback");
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

export function quoteIdent(name: string): string {
  if (name.includes("\u0000")) throw new Error("Identifiers cannot contain NUL characters");
  return `"${name.replace(/"/g, '""')}"`;
}
