/** The confirmation text of an in-place restore: what it replaces, with what, and why the file is trusted. */
import type { RestorePlan } from "./restore-database.ts";
import { formatCount, printable } from "./text.ts";

/** The plan of an in-place restore, as the confirmation shows it. */
export function describePlan(plan: RestorePlan, where: string): string {
  const width = Math.max(...plan.tables.map((t) => t.target.length), 5);
  const lines = [
    `This replaces the data of ${plan.tables.length} tables in ${where} with the backup's (taken ${plan.header.created_at}):`,
  ];
  const rows = (n: number) => `${formatCount(n)} ${n === 1 ? "row" : "rows"}`;
  for (const t of plan.tables) {
    lines.push(`  ${t.target.padEnd(width)}  ${rows(t.current ?? 0)} now → ${rows(t.rows)} from the backup`);
  }
  const access = plan.tables.filter((t) => t.security);
  if (access.length) {
    lines.push("WARNING: these tables decide who may do what in the app; the backup's rows replace them:");
    for (const t of access) lines.push(`  ${t.target}: ${t.security}`);
  }
  if (plan.trust?.kind === "recorded") {
    lines.push(
      `The file's SHA-256 matches the backup recorded in public.backup_runs (run ${plan.trust.runId}, "${
        plan.trust.fileName ?? "no file name"
      }", ${plan.trust.status}).`,
    );
  } else if (plan.trust?.kind === "explicit") {
    lines.push("The file's SHA-256 is the one passed with --sha256.");
  }
  // Each line escaped on its own: a value from the file cannot break, erase or rewrite the list.
  return lines.map(printable).join("\n");
}
