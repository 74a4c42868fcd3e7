// Query keys of the backup domain (one factory, as Supabase Studio keeps them). Prefixes matter:
// invalidating `runs()` refreshes every history page.
export const backupKeys = {
  all: ["backups"] as const,
  runs: () => [...backupKeys.all, "runs"] as const,
  runsPage: (page: number, pageSize: number) => [...backupKeys.runs(), { page, pageSize }] as const,
  lastRun: () => [...backupKeys.all, "last-run"] as const,
  status: () => [...backupKeys.all, "status"] as const,
  canManage: (userId: string | undefined) =>
    [...backupKeys.all, "can-manage", userId ?? "anonymous"] as const,
};
