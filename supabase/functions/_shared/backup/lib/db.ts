/**
 * The database connection used by the function and the CLI: postgres.js without prepared statements,
 * so it also works through Supabase's transaction pooler.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;
/** A connection or a transaction: what queries run on. */
export type Queryable = postgres.Sql | postgres.TransactionSql;
export type JsonValue = postgres.JSONValue;

export function connectDatabase(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  return postgres(url, {
    prepare: false,
    max: options.max ?? 3,
    idle_timeout: 20,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "auto-backup" },
  });
}
