/** The QuickXorHash of an upload, computed while its bytes go out. */
import { QuickXorHash } from "./quick-xor-hash.ts";

/** The hash of the bytes as they are read, whatever order the retries read them in. */
export class StreamHash {
  readonly #hash = new QuickXorHash();
  #hashedUpTo = 0;

  add(bytes: Uint8Array, offset: number): void {
    const end = offset + bytes.length;
    if (end <= this.#hashedUpTo) return;
    if (offset > this.#hashedUpTo) throw new Error("Bytes were skipped while hashing the upload");
    this.#hash.update(bytes.subarray(this.#hashedUpTo - offset));
    this.#hashedUpTo = end;
  }

  get hashedUpTo(): number {
    return this.#hashedUpTo;
  }

  digest(): string {
    return this.#hash.digest();
  }
}
