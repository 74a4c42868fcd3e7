/**
 * Retention: keep the `keep` newest backups in each destination (0 keeps all). Only names this tool
 * writes (BACKUP_NAME_PATTERN) are ever considered, so a user's other files are never touched, and the
 * file just written is never deleted, even if a clock skew made an older-looking name.
 *
 * Names embed the UTC time with fixed widths, so name order is time order.
 */
import { BACKUP_NAME_PATTERN } from "./file-format.ts";
import type { StorageClient } from "./storage.ts";

export interface PruneResult {
  kept: number;
  deleted: string[];
}

/** The names to delete, oldest first. */
export function selectForDeletion(names: Iterable<string>, keep: number, justWritten: string): string[] {
  if (keep <= 0) return [];
  const ours = [...new Set([...names].filter((n) => BACKUP_NAME_PATTERN.test(n)))].sort();
  const newestFirst = ours.reverse();
  const survivors = new Set(newestFirst.slice(0, keep));
  survivors.add(justWritten);
  return newestFirst.filter((n) => !survivors.has(n)).reverse();
}

export async function pruneStorage(
  storage: StorageClient,
  keep: number,
  justWritten: string,
): Promise<PruneResult> {
  if (keep <= 0) return { kept: 0, deleted: [] };
  const names: string[] = [];
  for await (const object of storage.list()) names.push(object.name);
  const doomed = selectForDeletion(names, keep, justWritten);
  // Bounded batches: one request per 100 names.
  for (let i = 0; i < doomed.length; i += 100) await storage.remove(doomed.slice(i, i + 100));
  return { kept: names.filter((n) => BACKUP_NAME_PATTERN.test(n)).length - doomed.length, deleted: doomed };
}

export interface FolderListing {
  listChildren(): AsyncIterable<{ id: string; name: string; isFile: boolean }>;
  deleteItem(id: string): Promise<void>;
}

export async function pruneFolder(
  folder: FolderListing,
  keep: number,
  justWritten: string,
): Promise<PruneResult> {
  if (keep <= 0) return { kept: 0, deleted: [] };
  const ids = new Map<string, string>();
  for await (const child of folder.listChildren()) {
    if (child.isFile) ids.set(child.name, child.id);
  }
  const doomed = selectForDeletion(ids.keys(), keep, justWritten);
  for (const name of doomed) await folder.deleteItem(ids.get(name)!);
  return {
    kept: [...ids.keys()].filter((n) => BACKUP_NAME_PATTERN.test(n)).length - doomed.length,
    deleted: doomed,
  };
}
