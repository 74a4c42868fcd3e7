/**
 * The two hashes of a backup file, computed once while the bytes stream to the spool file: SHA-256 (hex,
 * recorded on the run and printed by `verify`) and QuickXorHash (base64, what OneDrive for Business
 * reports for the uploaded copy, so the upload can be verified without downloading it).
 */
import { createHash } from "node:crypto";
import { QuickXorHash } from "../../graph/quick-xor-hash.ts";

export interface FileHashes {
  sha256: string;
  quickXorHash: string;
}

export class BackupHasher {
  #sha256 = createHash("sha256");
  #quickXor = new QuickXorHash();
  #size = 0;

  update(chunk: Uint8Array): void {
    this.#sha256.update(chunk);
    this.#quickXor.update(chunk);
    this.#size += chunk.length;
  }

  get size(): number {
    return this.#size;
  }

  digest(): FileHashes {
    return { sha256: this.#sha256.digest("hex"), quickXorHash: this.#quickXor.digest() };
  }
}
