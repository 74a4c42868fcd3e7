import assert from "node:assert/strict";
import { QuickXorHash, quickXorHash } from "../../../supabase/functions/_shared/graph/quick-xor-hash.ts";
import { testBytes } from "../../support/graph-emulator.ts";

// Published vectors (size, base64 input, base64 QuickXorHash), from rclone's
// backend/onedrive/quickxorhash/quickxorhash_test.go.
const VECTORS: Array<[number, string, string]> = [
  [0, "", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  [1, "Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="],
  [2, "tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="],
  [3, "0pZP", "0rDEEwAAAAAAAAAAAwAAAAAAAAA="],
  [4, "jRRDVA==", "jaDAEKgAAAAAAAAABAAAAAAAAAA="],
  [5, "eAV52qE=", "eChAHrQRCgAAAAAABQAAAAAAAAA="],
  [8, "/aNzzCFPS/A=", "/RjFHJgRgicsAR4ACAAAAAAAAAA="],
  [13, "vPgoDjOfO6fm71RxLw==", "vMAHChwwg0/s4BTmdQcV4vACAAA="],
  [16, "2fuxhBJXtpWFe8dOfdGeHw==", "O9tHLAghgSvYohKFyMMxnNCHaHg="],
  [17, "XBV6YKU9V7yMakZnFIxIkuU=", "HbplHsBQih5cgReMQYMRzkABRiA="],
  [20, "T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="],
  [32, "NbYXsp5/K6mR+NmHwExjvWeWDJFnXTKWVlzYHoesp2E=", "wjuAuWDiq04qDt1R8hHWDDcwVoQ="],
  [33, "qQ70RB++JAR5ljNv3lJt1PpqETPsckopfonItu18Cr3E", "FkJaeg/0Z5+euShYlLpE2tJh+Lo="],
  [
    64,
    "Mb7EGva2rEE5fENDL85P+BsapHEEjv2/siVhKjvAQe02feExVOQSkfmuYzU/kTF1MaKjPmKF/w+cbvwfdWL8aQ==",
    "n1anP5NfvD4XDYWIeRPW3ZkPv1Y=",
  ],
  [
    111,
    "jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkzI/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc",
    "hZfLIilSITC6N3e3tQ/iSgEzkto=",
  ],
  [
    128,
    "ikwCorI7PKWz17EI50jZCGbV9JU2E8bXVfxNMg5zdmqSZ2NlsQPp0kqYIPjzwTg1MBtfWPg53k0h0P2naJNEVgrqpoHTfV2b3pJ4m0zYPTJmUX4Bg/lOxcnCxAYKU29Y5F0U8Quz7ZXFBEweftXxJ7RS4r6N7BzJrPsLhY7hgck=",
    "imAoFvCWlDn4yVw3/oq1PDbbm6U=",
  ],
  [
    222,
    "PfxMcUd0vIW6VbHG/uj/Y0W6qEoKmyBD0nYebEKazKaKG+UaDqBEcmQjbfQeVnVLuodMoPp7P7TR1htX5n2VnkHh22xDyoJ8C/ZQKiSNqQfXvh83judf4RVr9exJCud8Uvgip6aVZTaPrJHVjQhMCp/dEnGvqg0oN5OVkM2qqAXvA0teKUDhgNM71sDBVBCGXxNOR2bpbD1iM4dnuT0ey4L+loXEHTL0fqMeUcEi2asgImnlNakwenDzz0x57aBwyq3AspCFGB1ncX4yYCr/OaCcS5OKi/00WH+wNQU3",
    "QX/YEpG0gDsmhEpCdWhsxDzsfVE=",
  ],
  [
    256,
    "qwGf2ESubE5jOUHHyc94ORczFYYbc2OmEzo+hBIyzJiNwAzC8PvJqtTzwkWkSslgHFGWQZR2BV5+uYTrYT7HVwRM40vqfj0dBgeDENyTenIOL1LHkjtDKoXEnQ0mXAHoJ8PjbNC93zi5TovVRXTNzfGEs5dpWVqxUzb5lc7dwkyvOluBw482mQ4xrzYyIY1t+//OrNi1ObGXuUw2jBQOFfJVj2Y6BOyYmfB1y36eBxi3zxeG5d5NYjm2GSh6e08QMAwu3zrINcqIzLOuNIiGXBtl7DjKt7b5wqi4oFiRpZsCyx2smhSrdrtK/CkdU6nDN+34vSR/M8rZpWQdBE7a8g==",
    "WYT9JY3JIo/pEBp+tIM6Gt2nyTM=",
  ],
  [
    333,
    "w0LGhqU1WXFbdavqDE4kAjEzWLGGzmTNikzqnsiXHx2KRReKVTxkv27u3UcEz9+lbMvYl4xFf2Z4aE1xRBBNd1Ke5C0zToSaYw5o4B/7X99nKK2/XaUX1byLow2aju2XJl2OpKpJg+tSJ2fmjIJTkfuYUz574dFX6/VXxSxwGH/xQEAKS5TCsBK3CwnuG1p5SAsQq3gGVozDWyjEBcWDMdy8/AIFrj/y03Lfc/RNRCQTAfZbnf2QwV7sluw4fH3XJr07UoD0YqN+7XZzidtrwqMY26fpLZnyZjnBEt1FAZWO7RnKG5asg8xRk9YaDdedXdQSJAOy6bWEWlABj+tVAigBxavaluUH8LOj+yfCFldJjNLdi90fVHkUD/m4Mr5OtmupNMXPwuG3EQlqWUVpQoYpUYKLsk7a5Mvg6UFkiH596y5IbJEVCI1Kb3D1",
    "e3+wo77iKcILiZegnzyUNcjCdoQ=",
  ],
];

function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The algorithm as specified, one byte and one 160-bit rotation at a time, on a BigInt register. */
function referenceHash(bytes: Uint8Array): string {
  const mask = (1n << 160n) - 1n;
  let register = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const shifted = BigInt(bytes[i]) << BigInt((i * 11) % 160);
    register ^= (shifted & mask) | (shifted >> 160n);
  }
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = Number((register >> BigInt(8 * i)) & 0xffn);
  let length = BigInt(bytes.length);
  for (let i = 12; i < 20; i++) {
    out[i] ^= Number(length & 0xffn);
    length >>= 8n;
  }
  return btoa(String.fromCharCode(...out));
}

function hashInChunks(bytes: Uint8Array, chunkSize: number): string {
  const hash = new QuickXorHash();
  for (let i = 0; i < bytes.length; i += chunkSize) hash.update(bytes.subarray(i, i + chunkSize));
  return hash.digest();
}

Deno.test("QuickXorHash matches the published vectors in one piece", () => {
  for (const [size, input, expected] of VECTORS) {
    const bytes = decode(input);
    assert.equal(bytes.length, size, `vector ${size} decodes to its size`);
    assert.equal(quickXorHash(bytes), expected, `vector of ${size} bytes`);
  }
});

Deno.test("QuickXorHash matches the published vectors whatever the chunking", () => {
  for (const chunkSize of [1, 2, 3, 4, 5, 7, 8, 16, 32, 64, 128, 159, 160, 161, 256, 512]) {
    for (const [size, input, expected] of VECTORS) {
      assert.equal(
        hashInChunks(decode(input), chunkSize),
        expected,
        `vector ${size}, chunks of ${chunkSize}`,
      );
    }
  }
});

Deno.test("QuickXorHash handles chunks at odd memory offsets (unaligned 32-bit views)", () => {
  for (const [size, input, expected] of VECTORS) {
    for (const shift of [1, 2, 3]) {
      const backing = new Uint8Array(size + shift);
      backing.set(decode(input), shift);
      assert.equal(quickXorHash(backing.subarray(shift)), expected, `vector ${size} at offset ${shift}`);
    }
  }
});

Deno.test("QuickXorHash agrees with a bit-by-bit reference on random data and random chunkings", () => {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (const size of [159, 160, 161, 641, 4096, 70_001]) {
    const bytes = testBytes(size, size);
    const expected = referenceHash(bytes);
    const hash = new QuickXorHash();
    for (let i = 0; i < size;) {
      const end = Math.min(size, i + 1 + (next() % 9000));
      hash.update(bytes.subarray(i, end));
      i = end;
    }
    assert.equal(hash.digest(), expected, `random data of ${size} bytes`);
    assert.equal(hash.length, size);
  }
});

Deno.test("QuickXorHash digest does not end the stream", () => {
  const bytes = testBytes(1000);
  const hash = new QuickXorHash().update(bytes.subarray(0, 500));
  assert.equal(hash.digest(), quickXorHash(bytes.subarray(0, 500)));
  hash.update(bytes.subarray(500));
  assert.equal(hash.digest(), quickXorHash(bytes));
});
