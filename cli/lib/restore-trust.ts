/**
 * Whether a file may be restored in place: its SHA-256 (of the exact bytes) must be one this tool
 * recorded in `public.backup_runs`, or the one the person restoring passed with `--sha256`. A file
 * planted in OneDrive or Storage (listing `public.user_roles` with a new admin, say) is then refused
 * however well-formed it is; `--yes` skips the question, never this check.
 */
import type postgres from "postgres";
import { RestoreError } from "./restore-error.ts";

export type Trust =
  | { kind: "explicit"; sha256: string }
  | { kind: "recorded"; sha256: string; runId: string; fileName: string | null; status: string };

export class UntrustedFileError extends RestoreError {}

/**
 * The trust for an in-place restore of a file whose bytes hash to `sha256`. `explicitSha256` is what
 * the user passed (already compared with the file's bytes by the caller); `fileName` the file's base
 * name, to say when a recorded backup of that name has another hash.
 */
export async function trustForReplace(
  sql: postgres.Sql,
  input: { fileName: string; sha256: string; explicitSha256?: string },
): Promise<Trust> {
  const explicit = input.explicitSha256?.trim().toLowerCase();
  if (explicit) {
    if (explicit !== input.sha256) {
      throw new UntrustedFileError(
        `Cannot restore "${input.fileName}" in place: its SHA-256 is ${input.sha256}, not the ${explicit} you passed`,
      );
    }
    return { kind: "explicit", sha256: input.sha256 };
  }
  const advice =
    "pass --sha256 with the hash you trust (the run's SHA-256, in the Settings page's run details), " +
    "or restore into a new schema";
  const [{ present }] = await sql<Array<{ present: boolean }>>`
    select to_regclass('public.backup_runs') is not null as present`;
  if (!present) {
    throw new UntrustedFileError(
      `Cannot restore "${input.fileName}" in place: this database has no public.backup_runs to check its SHA-256 ${input.sha256} against; ${advice}`,
    );
  }
  let rows: Array<{ id: string; file_name: string | null; sha256: string | null; status: string }>;
  try {
    rows = await sql<Array<{ id: string; file_name: string | null; sha256: string | null; status: string }>>`
      select id::text as id, file_name, sha256, status::text as status
      from public.backup_runs
      where sha256 = ${input.sha256} or file_name = ${input.fileName}
      order by (sha256 = ${input.sha256}) desc nulls last, started_at desc
      limit 5`;
  } catch (error) {
    throw new UntrustedFileError(
      `Cannot restore "${input.fileName}" in place: public.backup_runs cannot be read to check its SHA-256 (${
        (error as Error).message
      }); connect as the database owner, or ${advice}`,
    );
  }
  const match = rows.find((r) => r.sha256 === input.sha256);
  if (match) {
    return {
      kind: "recorded",
      sha256: input.sha256,
      runId: match.id,
      fileName: match.file_name,
      status: match.status,
    };
  }
  const sameName = rows.find((r) => r.file_name === input.fileName && r.sha256);
  if (sameName) {
    throw new UntrustedFileError(
      `Cannot restore "${input.fileName}" in place: its SHA-256 ${input.sha256} differs from the ${sameName.sha256} public.backup_runs records for that file (run ${sameName.id}): it was changed or replaced since the backup wrote it; ${advice}`,
    );
  }
  throw new UntrustedFileError(
    `Cannot restore "${input.fileName}" in place: its SHA-256 ${input.sha256} matches no backup recorded in public.backup_runs; ${advice}`,
  );
}
