/**
 * The JSON scanner under readBackup (backup-reader.ts): it walks a text stream one value at a time,
 * understanding just enough structure to find keys, containers and the bounds of each value, which it
 * hands out as raw text. It keeps only the value being read in memory and refuses one larger than
 * `maxValueChars` before running out of it.
 */
import { BackupFileError } from "./backup-file-error.ts";

function describeChars(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${n} characters`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class Scanner {
  buf = "";
  pos = 0;
  /** Start of the value being captured, kept across refills; -1 when none. */
  anchor = -1;
  /** Characters dropped from the front of `buf` so far (for positions in messages). */
  dropped = 0;
  done = false;
  /** What is being read, for messages about a value that is too large (e.g. `row 3 of "public.t"`). */
  context = "a value";

  constructor(
    private readonly reader: ReadableStreamDefaultReader<string>,
    private readonly maxValueChars: number,
  ) {}

  get position(): number {
    return this.dropped + this.pos;
  }

  async refill(): Promise<boolean> {
    if (this.done) return false;
    const keep = this.anchor >= 0 ? this.anchor : this.pos;
    // While a value is being captured the buffer has to grow. Reading ahead at least as much as the
    // value already holds makes one concatenation per doubling instead of one per chunk: a 100 MB
    // value costs a few copies of itself, not thousands.
    const captured = this.anchor >= 0 ? this.buf.length - keep : 0;
    if (captured > this.maxValueChars) {
      throw new BackupFileError(
        "too_large",
        `${this.context} at character ${this.dropped + keep} is larger than ${
          describeChars(this.maxValueChars)
        }, more than a restore can handle: this file cannot be verified or restored by this tool`,
      );
    }
    // Never read ahead past the limit, so the buffer stays far below the string length limit.
    const ahead = Math.min(captured, this.maxValueChars - captured + 1);
    const chunks: string[] = [];
    let got = 0;
    do {
      const { value, done } = await this.reader.read();
      if (done) {
        this.done = true;
        break;
      }
      chunks.push(value);
      got += value.length;
    } while (got < ahead);
    if (chunks.length === 0) return false;
    const value = chunks.length === 1 ? chunks[0] : chunks.join("");
    this.buf = this.buf.slice(keep) + value;
    this.dropped += keep;
    this.pos -= keep;
    if (this.anchor >= 0) this.anchor -= keep;
    return true;
  }

  truncated(): BackupFileError {
    return new BackupFileError(
      "truncated",
      `the file ends abruptly after ${this.position} characters (truncated: an interrupted download or copy?)`,
    );
  }

  invalid(what: string): BackupFileError {
    return new BackupFileError(
      "not_json",
      `the file is not valid JSON at character ${this.position}: ${what}`,
    );
  }

  /** The next non-whitespace character (not consumed), or null at the end of the input. */
  async peek(): Promise<string | null> {
    for (;;) {
      while (this.pos < this.buf.length && isWhitespace(this.buf.charCodeAt(this.pos))) this.pos++;
      if (this.pos < this.buf.length) return this.buf[this.pos];
      if (!await this.refill()) return null;
    }
  }

  async expect(ch: string): Promise<void> {
    const c = await this.peek();
    if (c === null) throw this.truncated();
    if (c !== ch) throw this.invalid(`expected "${ch}" but found "${c}"`);
    this.pos++;
  }

  /** Reads `,` or the closing character; true when more items follow. */
  async next(close: string): Promise<boolean> {
    const c = await this.peek();
    if (c === null) throw this.truncated();
    if (c === ",") {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    throw this.invalid(`expected "," or "${close}" but found "${c}"`);
  }

  /** Reads the opening character of a container; true when items follow, false when it is empty. */
  async enter(open: string, close: string): Promise<boolean> {
    await this.expect(open);
    const more = (await this.peek()) !== close;
    if (!more) this.pos++;
    return more;
  }

  async readKey(): Promise<string> {
    const c = await this.peek();
    if (c === null) throw this.truncated();
    if (c !== '"') throw this.invalid(`expected a key but found "${c}"`);
    const raw = await this.capture();
    await this.expect(":");
    return JSON.parse(raw);
  }

  /** Moves `pos` past the string starting at `pos` (which is a quote). */
  async skipString(): Promise<void> {
    let from = this.pos + 1;
    for (;;) {
      const end = this.buf.indexOf('"', from);
      if (end < 0) {
        from = this.buf.length;
        const before = this.pos;
        if (!await this.refill()) throw this.truncated();
        from -= before - this.pos;
        continue;
      }
      let backslashes = 0;
      for (let i = end - 1; i > this.pos && this.buf.charCodeAt(i) === BACKSLASH; i--) backslashes++;
      if (backslashes % 2 === 0) {
        this.pos = end + 1;
        return;
      }
      from = end + 1;
    }
  }

  /** The raw text of the JSON value starting at the next non-whitespace character. */
  async capture(): Promise<string> {
    const first = await this.peek();
    if (first === null) throw this.truncated();
    this.anchor = this.pos;
    let depth = 0;
    try {
      for (;;) {
        if (this.pos >= this.buf.length) {
          if (!await this.refill()) {
            if (depth === 0 && this.pos > this.anchor) break; // a scalar at the very end
            throw this.truncated();
          }
          continue;
        }
        const c = this.buf.charCodeAt(this.pos);
        if (c === QUOTE) {
          await this.skipString();
          if (depth === 0) break;
          continue;
        }
        if (c === 0x7b || c === 0x5b) { // { [
          depth++;
        } else if (c === 0x7d || c === 0x5d) { // } ]
          if (depth === 0) break; // end of the enclosing container: the scalar ended
          depth--;
          if (depth === 0) {
            this.pos++;
            break;
          }
        } else if (depth === 0 && (c === 0x2c || isWhitespace(c))) {
          break;
        }
        this.pos++;
      }
      const raw = this.buf.slice(this.anchor, this.pos);
      if (raw.length === 0) throw this.invalid("expected a value");
      return raw;
    } finally {
      this.anchor = -1;
    }
  }

  async value(): Promise<unknown> {
    const start = this.position;
    const raw = await this.capture();
    try {
      return JSON.parse(raw);
    } catch {
      throw new BackupFileError(
        "not_json",
        `the file is not valid JSON at character ${start}: a value cannot be read`,
      );
    }
  }
}
