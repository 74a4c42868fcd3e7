// The emulated document library: one drive whose root is a folder on disk, so a person can open what was
// uploaded. Item ids are derived from paths, so they survive an emulator restart.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EmulatorQuickXorHash } from "./quick-xor-hash.ts";

/** Hidden folder under the root where upload sessions stage their bytes (never listed). */
export const STAGING_FOLDER = ".graph-emulator-uploads";

export interface ItemRecord {
  id: string;
  /** Path from the drive root with `/` separators; "" for the root. */
  path: string;
  name: string;
  isFolder: boolean;
  size: number;
  created: Date;
  modified: Date;
}

const FORBIDDEN_CHARACTERS = /["*:<>?/\\|]/;
const RESERVED_NAMES = new Set([
  ".lock",
  "con",
  "prn",
  "aux",
  "nul",
  ...Array.from({ length: 10 }, (_, i) => `com${i}`),
  ...Array.from({ length: 10 }, (_, i) => `lpt${i}`),
  "_vti_",
  "desktop.ini",
]);

/** Why OneDrive for Business would refuse this name, or null when it is acceptable. */
export function invalidNameReason(name: string): string | null {
  if (name.length === 0) return "the name is empty";
  if (name === "." || name === "..") return `"${name}" is not a valid name`;
  if (FORBIDDEN_CHARACTERS.test(name)) return 'names cannot contain " * : < > ? / \\ |';
  if (name.startsWith(" ") || name.endsWith(" ")) return "names cannot start or end with a space";
  if (RESERVED_NAMES.has(name.toLowerCase())) return `"${name}" is a reserved name`;
  if (name.startsWith("~$")) return 'names cannot start with "~$"';
  if (name.includes("_vti_")) return 'names cannot contain "_vti_"';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20)) return "names cannot contain control characters";
  return null;
}

/** Maximum length of a decoded path from the drive root, as SharePoint enforces it. */
export const MAX_PATH_LENGTH = 400;

export function joinPath(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** Normalises a configured folder path ("/Backups/App/" → "Backups/App"), refusing traversal. */
export function normalisePath(path: string): string {
  const segments = path.split("/").filter((segment) => segment !== "");
  for (const segment of segments) {
    const reason = invalidNameReason(segment);
    if (reason) throw new Error(`Invalid drive path "${path}": ${reason}`);
  }
  return segments.join("/");
}

function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export class DriveStore {
  readonly root: string;
  readonly driveId: string;
  readonly rootItemId: string;
  readonly #ids = new Map<string, string>();
  readonly #hashes = new Map<string, { key: string; quickXorHash: string; sha256: string }>();

  constructor(root: string, driveId: string) {
    this.root = root;
    this.driveId = driveId;
    this.rootItemId = this.idOf("");
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await rm(join(this.root, STAGING_FOLDER), { recursive: true, force: true });
    await this.#scan("");
  }

  idOf(path: string): string {
    const digest = createHash("sha256").update(`item:${path}`).digest();
    const id = `01${base32(digest).slice(0, 32)}`;
    this.#ids.set(id, path);
    return id;
  }

  diskPath(path: string): string {
    return path === "" ? this.root : join(this.root, ...path.split("/"));
  }

  stagingPath(sessionId: string): string {
    return join(this.root, STAGING_FOLDER, sessionId);
  }

  async ensureStagingFolder(): Promise<void> {
    await mkdir(join(this.root, STAGING_FOLDER), { recursive: true });
  }

  /** The path of an item id ("root" is accepted), rescanning the disk once if it is unknown. */
  async pathOf(id: string): Promise<string | undefined> {
    if (id === "root") return "";
    const known = this.#ids.get(id);
    if (known !== undefined) return known;
    await this.#scan("");
    return this.#ids.get(id);
  }

  async item(path: string): Promise<ItemRecord | undefined> {
    try {
      const info = await stat(this.diskPath(path));
      const created = info.birthtimeMs > 0 ? info.birthtime : info.mtime;
      return {
        id: this.idOf(path),
        path,
        name: path === "" ? "root" : path.slice(path.lastIndexOf("/") + 1),
        isFolder: info.isDirectory(),
        size: info.isDirectory() ? await this.#folderSize(path) : info.size,
        created,
        modified: info.mtime,
      };
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === "ENOENT" ||
        (error as NodeJS.ErrnoException).code === "ENOTDIR"
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async children(path: string): Promise<ItemRecord[]> {
    const entries = await readdir(this.diskPath(path));
    const names = entries.filter((name) => !(path === "" && name === STAGING_FOLDER)).sort();
    const items: ItemRecord[] = [];
    for (const name of names) {
      const item = await this.item(joinPath(path, name));
      if (item) items.push(item);
    }
    return items;
  }

  async hashes(path: string): Promise<{ quickXorHash: string; sha256: string }> {
    const info = await stat(this.diskPath(path));
    const key = `${info.size}:${info.mtimeMs}`;
    const cached = this.#hashes.get(path);
    if (cached && cached.key === key) return cached;
    const quickXor = new EmulatorQuickXorHash();
    const sha = createHash("sha256");
    for await (const chunk of createReadStream(this.diskPath(path)) as AsyncIterable<Buffer>) {
      quickXor.update(chunk);
      sha.update(chunk);
    }
    const entry = { key, quickXorHash: quickXor.digest(), sha256: sha.digest("hex") };
    this.#hashes.set(path, entry);
    return entry;
  }

  async createFolder(path: string): Promise<void> {
    await mkdir(this.diskPath(path), { recursive: true });
    let current = path;
    while (current !== "") {
      this.idOf(current);
      current = parentOf(current);
    }
  }

  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    await this.createFolder(parentOf(path));
    await writeFile(this.diskPath(path), bytes);
    this.#hashes.delete(path);
    this.idOf(path);
  }

  /** Moves a staged upload into place. */
  async commitStaged(stagingFile: string, path: string): Promise<void> {
    await this.createFolder(parentOf(path));
    await rename(stagingFile, this.diskPath(path));
    this.#hashes.delete(path);
    this.idOf(path);
  }

  async delete(path: string): Promise<void> {
    await rm(this.diskPath(path), { recursive: true, force: true });
    this.#hashes.delete(path);
  }

  /** Deletes everything under the root (admin reset). */
  async wipe(): Promise<void> {
    for (const name of await readdir(this.root)) {
      await rm(join(this.root, name), { recursive: true, force: true });
    }
    this.#hashes.clear();
  }

  async usedBytes(): Promise<number> {
    return await this.#folderSize("");
  }

  /** Every file under the root, depth first. */
  async allFiles(path = ""): Promise<ItemRecord[]> {
    const files: ItemRecord[] = [];
    for (const child of await this.children(path)) {
      if (child.isFolder) files.push(...(await this.allFiles(child.path)));
      else files.push(child);
    }
    return files;
  }

  async #folderSize(path: string): Promise<number> {
    let total = 0;
    for (const name of await readdir(this.diskPath(path))) {
      if (path === "" && name === STAGING_FOLDER) continue;
      const child = joinPath(path, name);
      const info = await stat(this.diskPath(child));
      total += info.isDirectory() ? await this.#folderSize(child) : info.size;
    }
    return total;
  }

  async #scan(path: string): Promise<void> {
    this.idOf(path);
    let entries;
    try {
      entries = await readdir(this.diskPath(path), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (path === "" && entry.name === STAGING_FOLDER) continue;
      const child = joinPath(path, entry.name);
      if (entry.isDirectory()) await this.#scan(child);
      else this.idOf(child);
    }
  }
}
