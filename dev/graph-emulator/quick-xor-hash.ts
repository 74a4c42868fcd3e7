// The emulator's own QuickXorHash, written independently of the Deno client's (which folds 32-bit words),
// so that a bug in one formulation cannot hide behind the same bug in the other.
//
// QuickXorHash XORs byte n of the input into a 160-bit circular register at bit (11 * n) mod 160, then
// XORs the 64-bit little-endian length into the last 8 bytes. Because 160 * 11 is a multiple of 160, the
// bit position depends only on n mod 160: the input can be folded into 160 byte "cells" by XOR and spread
// into the register once, at the end.

const CELLS = 160;
const WIDTH_BYTES = 20;

export class EmulatorQuickXorHash {
  private readonly cells = new Uint8Array(CELLS);
  private cell = 0;
  private length = 0;

  update(bytes: Uint8Array): this {
    const cells = this.cells;
    let cell = this.cell;
    for (let i = 0; i < bytes.length; i++) {
      cells[cell] ^= bytes[i];
      cell = cell === CELLS - 1 ? 0 : cell + 1;
    }
    this.cell = cell;
    this.length += bytes.length;
    return this;
  }

  digestBytes(): Uint8Array {
    const out = new Uint8Array(WIDTH_BYTES);
    for (let k = 0; k < CELLS; k++) {
      const bit = (k * 11) % CELLS;
      const spread = this.cells[k] << (bit & 7);
      const index = bit >> 3;
      out[index] ^= spread & 0xff;
      out[(index + 1) % WIDTH_BYTES] ^= spread >>> 8;
    }
    let low = this.length % 0x1_0000_0000;
    let high = Math.floor(this.length / 0x1_0000_0000);
    for (let i = 0; i < 4; i++) {
      out[12 + i] ^= low & 0xff;
      out[16 + i] ^= high & 0xff;
      low >>>= 8;
      high >>>= 8;
    }
    return out;
  }

  digest(): string {
    return Buffer.from(this.digestBytes()).toString("base64");
  }
}
