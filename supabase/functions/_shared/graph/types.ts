/**
 * The Graph client's types: what callers hand it and get back (GraphClient and its arguments), and the wire
 * shapes of Graph's answers the client reads. Types only, importing nothing: every graph module and the
 * backup's pipeline and handler import from here, never from the module that assembles the client.
 */

/** A resolved destination folder. */
export interface GraphFolder {
  driveId: string;
  folderId: string;
  name: string;
  webUrl?: string;
}

/** Where the backups go, as Graph's requests need it: a sharing link, or a drive id and a folder id. */
export interface Destination {
  link?: string;
  driveId?: string;
  folderId?: string;
}

/** The destination as the configuration holds it (ONEDRIVE_BACKUP_LINK, or ONEDRIVE_DRIVE_ID + _FOLDER_ID). */
export type DestinationSetting =
  | { kind: "link"; link: string }
  | { kind: "ids"; driveId: string; folderId: string };

/** A byte source that can be re-opened at any offset (the pipeline spools to a temp file). */
export interface UploadSource {
  size: number;
  open(offset: number): ReadableStream<Uint8Array>;
  /**
   * Optional random access: reads up to `into.length` bytes from `offset` straight into `into` and resolves
   * how many (0 at the end). The upload then fills its fragment buffer without intermediate chunks.
   */
  readAt?(offset: number, into: Uint8Array): Promise<number>;
  /** Releases what `readAt` keeps open; the next `readAt` opens it again. */
  close?(): void;
}

export interface UploadOptions {
  fragmentSize?: number;
  onProgress?: (bytesSent: number) => void;
  signal?: AbortSignal;
  /** QuickXorHash computed earlier (e.g. while spooling); the bytes read now must match it too. */
  expectedQuickXorHash?: string;
}

export interface UploadedItem {
  id: string;
  name: string;
  size: number;
  webUrl: string;
  quickXorHash: string;
}

/** An entry of a folder listing. */
export interface ChildItem {
  id: string;
  name: string;
  size: number;
  createdDateTime: string;
  isFile: boolean;
}

/** An item read by id. */
export interface ItemSummary {
  id: string;
  name: string;
  size: number;
  isFile: boolean;
}

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

/** One connectivity check of the `test` action. */
export interface ProbeCheck {
  name: string;
  ok: boolean;
  message: string;
}

export interface GraphClient {
  resolveFolder(dest: Destination): Promise<GraphFolder>;
  upload(
    folder: GraphFolder,
    name: string,
    source: UploadSource,
    opts?: UploadOptions,
  ): Promise<UploadedItem>;
  listChildren(folder: GraphFolder): AsyncIterable<ChildItem>;
  /** An item by id, or undefined when it is gone. */
  getItem(driveId: string, itemId: string): Promise<ItemSummary | undefined>;
  deleteItem(driveId: string, itemId: string): Promise<void>;
  sendMail(sender: string, message: MailMessage): Promise<void>;
  probe(dest: Destination): Promise<ProbeCheck[]>;
}

/** The driveItem properties the client reads (wire shape). */
export interface DriveItemJson {
  id?: string;
  name?: string;
  size?: number;
  webUrl?: string;
  createdDateTime?: string;
  folder?: unknown;
  file?: { hashes?: { quickXorHash?: string } };
  root?: unknown;
  parentReference?: { driveId?: string; id?: string };
  package?: unknown;
}

/** A page of a folder listing (wire shape). */
export interface DriveItemPageJson {
  value?: DriveItemJson[];
  "@odata.nextLink"?: string;
}

/** The answer to `createUploadSession` and to a GET of the upload URL (wire shape). */
export interface UploadSessionJson {
  uploadUrl?: string;
  nextExpectedRanges?: unknown;
}
