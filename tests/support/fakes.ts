/**
 * In-memory stand-ins for the two destinations, for pipeline and handler tests that run against a real
 * database. (The integration tests use the real gateway and the Graph emulator instead.)
 */
import { QuickXorHash } from "../../supabase/functions/_shared/graph/quick-xor-hash.ts";
import { BackupError } from "../../supabase/functions/_shared/backup/lib/errors.ts";
import type { OneDriveClient } from "../../supabase/functions/_shared/backup/run/pipeline.ts";
import type { GraphFolder, UploadSource } from "../../supabase/functions/_shared/graph/types.ts";
import type {
  StorageClient,
  StorageObject,
} from "../../supabase/functions/_shared/backup/destinations/storage.ts";

export class FakeStorage implements StorageClient {
  readonly bucket = "backups";
  objects = new Map<string, Uint8Array>();
  failUpload: Error | null = null;
  /** Pretend the stored object has another size (a lost write). */
  reportedSize: number | null = null;
  removed: string[] = [];

  /** Pretend someone made the bucket public. */
  public = false;
  signed: Array<{ name: string; expiresIn: number }> = [];

  bucketExists(): Promise<boolean> {
    return Promise.resolve(true);
  }

  bucketInfo(): Promise<{ public: boolean }> {
    return Promise.resolve({ public: this.public });
  }

  signDownload(name: string, expiresIn: number): Promise<string> {
    this.signed.push({ name, expiresIn });
    const file = name.slice(name.lastIndexOf("/") + 1);
    return Promise.resolve(`https://storage.test/object/sign/backups/${name}?token=t&download=${file}`);
  }

  async upload(name: string, file: { path: string; size: number }): Promise<void> {
    if (this.failUpload) throw this.failUpload;
    if (this.objects.has(name)) {
      throw new BackupError("storage_exists", `Cannot store backup "${name}": exists`);
    }
    this.objects.set(name, await Deno.readFile(file.path));
  }

  find(name: string): Promise<StorageObject | null> {
    const bytes = this.objects.get(name);
    return Promise.resolve(bytes ? { name, size: this.reportedSize ?? bytes.length, createdAt: null } : null);
  }

  async *list(): AsyncIterable<StorageObject> {
    for (const name of [...this.objects.keys()].sort()) {
      yield { name, size: this.objects.get(name)!.length, createdAt: null };
    }
  }

  remove(names: string[]): Promise<void> {
    for (const n of names) {
      this.objects.delete(n);
      this.removed.push(n);
    }
    return Promise.resolve();
  }
}

export class FakeOneDrive implements OneDriveClient {
  files = new Map<string, { id: string; bytes: Uint8Array }>();
  mails: Array<{ sender: string; to: string[]; subject: string; text: string }> = [];
  failUpload: Error | null = null;
  /** Report this hash instead of the real one (a corrupted upload). */
  reportedHash: string | null = null;
  deleted: string[] = [];
  probes: Array<{ name: string; ok: boolean; message: string }> = [
    { name: "token", ok: true, message: "Signed in" },
    { name: "folder", ok: true, message: 'Folder "Backups"' },
    { name: "write", ok: true, message: "Can write" },
  ];
  #next = 1;

  resolveFolder(): Promise<GraphFolder> {
    return Promise.resolve({ driveId: "drive-1", folderId: "folder-1", name: "Backups" });
  }

  async upload(
    _folder: GraphFolder,
    name: string,
    source: UploadSource,
    opts?: { onProgress?: (bytesSent: number) => void },
  ) {
    if (this.failUpload) throw this.failUpload;
    const bytes = new Uint8Array(await new Response(source.open(0)).arrayBuffer());
    opts?.onProgress?.(bytes.length);
    const id = `item-${this.#next++}`;
    this.files.set(name, { id, bytes });
    return {
      id,
      name,
      size: bytes.length,
      webUrl: `https://contoso.sharepoint.com/Backups/${name}`,
      quickXorHash: this.reportedHash ?? new QuickXorHash().update(bytes).digest(),
    };
  }

  async *listChildren() {
    for (const [name, f] of this.files) {
      yield { id: f.id, name, size: f.bytes.length, createdDateTime: "2026-01-01T00:00:00Z", isFile: true };
    }
  }

  getItem(_driveId: string, itemId: string) {
    for (const [name, f] of this.files) {
      if (f.id === itemId) {
        return Promise.resolve({ id: f.id, name, size: f.bytes.length, isFile: true });
      }
    }
    return Promise.resolve(undefined);
  }

  deleteItem(_driveId: string, itemId: string): Promise<void> {
    for (const [name, f] of this.files) {
      if (f.id === itemId) {
        this.files.delete(name);
        this.deleted.push(name);
      }
    }
    return Promise.resolve();
  }

  sendMail(sender: string, message: { to: string[]; subject: string; text: string }): Promise<void> {
    this.mails.push({ sender, ...message });
    return Promise.resolve();
  }

  probe() {
    return Promise.resolve(this.probes);
  }

  /** Adds a file as if an earlier run had uploaded it; returns its item id. */
  seed(name: string): string {
    const id = `item-${this.#next++}`;
    this.files.set(name, { id, bytes: new Uint8Array([1]) });
    return id;
  }
}

/** A fetch that records webhook posts and answers 200. */
export function recordingFetch(): { fetch: typeof fetch; posts: Array<{ url: string; body: unknown }> } {
  const posts: Array<{ url: string; body: unknown }> = [];
  const fn: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    posts.push({ url: req.url, body: JSON.parse(await req.text()) });
    return new Response("ok");
  };
  return { fetch: fn, posts };
}
