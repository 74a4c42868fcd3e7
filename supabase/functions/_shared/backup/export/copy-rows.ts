/**
 * Turns the output of `COPY (select <row json> …) TO STDOUT WITH (FORMAT csv, QUOTE e'\x01',
 * DELIMITER e'\x02')` into the body of a JSON array, without parsing a single row.
 *
 * Why the CSV trick: COPY's text format doubles every backslash, which breaks JSON; CSV with control
 * characters as quote and delimiter passes each row's JSON through untouched, one per line, because JSON
 * escapes every control character. One exception: a `json` column keeps its original text, whitespace
 * included, so a row can contain a raw line break; CSV then wraps the field in the quote byte (\x01),
 * which never occurs inside JSON, so it is simply dropped here.
 *
 * Output for rows A, B, C: "\nA,\nB,\nC" (the caller writes the brackets around it).
 */

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x01;
const FIRST_SEPARATOR = new Uint8Array([LF]);
const SEPARATOR = new Uint8Array([0x2c, LF]); // ",\n"

/** Collects small pieces into chunks of at least `threshold` bytes. */
export class ChunkBuffer {
  #parts: Uint8Array[] = [];
  #size = 0;
  #encoder = new TextEncoder();

  constructor(readonly threshold = 64 * 1024) {}

  get size(): number {
    return this.#size;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#parts.push(bytes);
    this.#size += bytes.length;
  }

  pushText(text: string): void {
    this.push(this.#encoder.encode(text));
  }

  get full(): boolean {
    return this.#size >= this.threshold;
  }

  /** Everything collected so far as one chunk (null when empty). */
  take(): Uint8Array | null {
    if (this.#size === 0) return null;
    let out: Uint8Array;
    if (this.#parts.length === 1) {
      out = this.#parts[0];
    } else {
      out = new Uint8Array(this.#size);
      let at = 0;
      for (const p of this.#parts) {
        out.set(p, at);
        at += p.length;
      }
    }
    this.#parts = [];
    this.#size = 0;
    return out;
  }
}

export class CopyRowFramer {
  rows = 0;
  #atRowStart = true;
  #inQuote = false;

  constructor(private readonly out: ChunkBuffer) {}

  #startRowIfNeeded(): void {
    if (!this.#atRowStart) return;
    this.out.push(this.rows === 0 ? FIRST_SEPARATOR : SEPARATOR);
    this.rows++;
    this.#atRowStart = false;
  }

  /** Feeds one chunk of COPY output (chunks may split rows anywhere). */
  push(chunk: Uint8Array): void {
    // A plain Uint8Array view, no copy: postgres.js passes Node Buffers, and Deno implements
    // Buffer.prototype.indexOf in JavaScript (a quarter of the export's JS time), while a Uint8Array's
    // indexOf is V8's native one. Keeping views is safe: postgres.js hands every COPY message out in its own
    // buffer and never writes into it again (a Buffer's `slice` used here before was a view as well).
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.#inQuote && bytes.indexOf(QUOTE) < 0 && bytes.indexOf(CR) < 0) {
      this.#pushPlain(bytes);
    } else {
      this.#pushQuoted(bytes);
    }
  }

  /** Fast path: no quoting in this chunk, so rows end exactly at line feeds. */
  #pushPlain(bytes: Uint8Array): void {
    let pos = 0;
    while (pos < bytes.length) {
      const nl = bytes.indexOf(LF, pos);
      const end = nl < 0 ? bytes.length : nl;
      if (end > pos) {
        this.#startRowIfNeeded();
        this.out.push(bytes.subarray(pos, end));
      }
      if (nl < 0) break;
      this.#atRowStart = true;
      pos = nl + 1;
    }
  }

  /** Slow path, byte by byte: quote bytes toggle quoting, line ends inside quotes are row content. */
  #pushQuoted(bytes: Uint8Array): void {
    let segment = 0;
    const flush = (end: number) => {
      if (end > segment) {
        this.#startRowIfNeeded();
        this.out.push(bytes.subarray(segment, end));
      }
    };
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === QUOTE) {
        flush(i);
        this.#inQuote = !this.#inQuote;
        // An empty quoted field cannot happen (JSON is never empty), but a quote still starts a row.
        this.#startRowIfNeeded();
        segment = i + 1;
      } else if (!this.#inQuote && (b === LF || b === CR)) {
        // Outside quotes, CR and LF only ever belong to the row terminator.
        flush(i);
        if (b === LF) this.#atRowStart = true;
        segment = i + 1;
      }
    }
    flush(bytes.length);
  }

  /** True when the input ended cleanly (not inside a quoted field). */
  get balanced(): boolean {
    return !this.#inQuote;
  }
}
