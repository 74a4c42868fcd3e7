/**
 * Streaming QuickXorHash, the content hash OneDrive for Business and SharePoint report as
 * `file.hashes.quickXorHash`.
 *
 * The algorithm XORs input byte n into a 160-bit circular register at bit (11 × n) mod 160, then XORs the
 * total length (64-bit little endian) into the register's last 8 bytes; the digest is the register's 20
 * bytes in base64.
 *
 * Why this is fast: 11 × (n + 160) ≡ 11 × n (mod 160), so the bit position of byte n depends only on n mod 160.
 * XOR being associative, the whole stream can first be folded into 160 bytes (byte n XORed into cell
 * n mod 160) and those 160 cells spread into the register once, in `digest()`. The fold works on 32-bit
 * words: 40 words make one 160-byte row. Measured with Deno 2.9 on the 2-core CI machine over 200 MB:
 * 5.4 GB/s in 64 KiB chunks, 6.6 GB/s in 1 MiB chunks, 4.6 GB/s when chunks start at unaligned offsets
 * (copied through a scratch buffer), against 0.5 GB/s for a tight byte-at-a-time loop and about 0.15 GB/s
 * for the reference implementation's (0.67 CPU-seconds per 100 MB, docs/design.md §9).
 */

const CELLS = 160;
const WORDS = CELLS / 4;
const DIGEST_BYTES = 20;
const SCRATCH_WORDS = 16 * 1024;

export class QuickXorHash {
  readonly #cells = new Uint8Array(CELLS);
  readonly #words = new Uint32Array(this.#cells.buffer);
  /** Cell the next byte goes to (= length mod 160). */
  #cell = 0;
  #length = 0;
  #scratch: Uint32Array | undefined;

  /** Total number of bytes hashed so far. */
  get length(): number {
    return this.#length;
  }

  update(chunk: Uint8Array): this {
    const cells = this.#cells;
    const n = chunk.length;
    let cell = this.#cell;
    let i = 0;
    // Bytes until the cell index is word aligned.
    while (i < n && (cell & 3) !== 0) {
      cells[cell] ^= chunk[i++];
      cell = cell === CELLS - 1 ? 0 : cell + 1;
    }
    // Whole 32-bit words; both views use the platform's byte order, so the XOR stays byte-wise.
    let remainingWords = (n - i) >>> 2;
    while (remainingWords > 0) {
      let source: Uint32Array;
      let count: number;
      if (((chunk.byteOffset + i) & 3) === 0) {
        count = remainingWords;
        source = new Uint32Array(chunk.buffer, chunk.byteOffset + i, count);
      } else {
        // A Uint32Array view needs an aligned offset: copy misaligned input through a scratch buffer.
        this.#scratch ??= new Uint32Array(SCRATCH_WORDS);
        count = Math.min(remainingWords, SCRATCH_WORDS);
        new Uint8Array(this.#scratch.buffer).set(chunk.subarray(i, i + count * 4));
        source = this.#scratch;
      }
      cell = this.#foldWords(source, count, cell >>> 2) << 2;
      i += count * 4;
      remainingWords -= count;
    }
    while (i < n) {
      cells[cell] ^= chunk[i++];
      cell = cell === CELLS - 1 ? 0 : cell + 1;
    }
    this.#cell = cell;
    this.#length += n;
    return this;
  }

  /** XORs `count` words into the 40-word row starting at `word`; returns the next word index. */
  #foldWords(source: Uint32Array, count: number, word: number): number {
    const words = this.#words;
    let k = 0;
    while (k < count && word !== 0) {
      words[word] ^= source[k++];
      word = word === WORDS - 1 ? 0 : word + 1;
    }
    const rowsEnd = k + Math.floor((count - k) / WORDS) * WORDS;
    for (; k < rowsEnd; k += WORDS) {
      for (let j = 0; j < WORDS; j++) words[j] ^= source[k + j];
    }
    while (k < count) {
      words[word] ^= source[k++];
      word = word === WORDS - 1 ? 0 : word + 1;
    }
    return word;
  }

  /** The 20-byte digest; hashing may continue afterwards. */
  digestBytes(): Uint8Array {
    const out = new Uint8Array(DIGEST_BYTES);
    const cells = this.#cells;
    for (let k = 0; k < CELLS; k++) {
      const bit = (k * 11) % CELLS;
      const spread = cells[k] << (bit & 7);
      const index = bit >>> 3;
      out[index] ^= spread & 0xff;
      out[(index + 1) % DIGEST_BYTES] ^= spread >>> 8;
    }
    let low = this.#length % 0x1_0000_0000;
    let high = Math.floor(this.#length / 0x1_0000_0000);
    for (let i = 0; i < 4; i++) {
      out[12 + i] ^= low & 0xff;
      out[16 + i] ^= high & 0xff;
      low >>>= 8;
      high >>>= 8;
    }
    return out;
  }

  /** The digest in base64, as Graph reports it. */
  digest(): string {
    return btoa(String.fromCharCode(...this.digestBytes()));
  }
}

/** QuickXorHash of a whole buffer. */
export function quickXorHash(bytes: Uint8Array): string {
  return new QuickXorHash().update(bytes).digest();
}
