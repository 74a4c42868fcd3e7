/**
 * Runs database work as the API caller, the way PostgREST and Supabase Storage do: one transaction,
 * `role` switched to the caller's role and `request.jwt.claims` set, both local to the transaction.
 * Row level security is therefore Postgres' own, never re-implemented here.
 */
import type pg from "pg";
import type { Caller } from "./api-keys.ts";

export type Db = Pick<pg.PoolClient, "query">;

/**
 * The API roles. As with PostgREST and Storage, which connect as `authenticator` and switch to the
 * token's role, any other role granted to `authenticator` (an app's own) is accepted too; a role
 * that is not is refused before any work.
 */
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
  return await inTransaction(pool, options.readOnly ? "begin read only" : "begin", async (client) => {
    if (!API_ROLES.has(caller.role)) {
      const granted = await client.query(
        `select 1 from pg_catalog.pg_roles r
         where r.rolname = $1 and pg_catalog.pg_has_role('authenticator', r.oid, 'member')`,
        [caller.role],
      );
      if (!granted.rows.length) throw new RoleError(caller.role);
    }
    if (options.beforeRole) await options.beforeRole(client);
    await client.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [
      caller.role,
      JSON.stringify(caller.claims),
    ]);
    return await work(client);
  });
}

/** Work as the database owner, in a transaction (auth tables, catalog lookups). */
export async function withOwnerTransaction<T>(pool: pg.Pool, work: (db: Db) => Promise<T>): Promise<T> {
  return await inTransaction(pool, "begin", work);
}

/**
 * One pooled connection, `begin` … `commit`; on an error, a rollback, and a connection whose rollback
 * failed is destroyed rather than returned to the pool in an unknown state.
 */
async function inTransaction<T>(pool: pg.Pool, begin: string, work: (db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
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
