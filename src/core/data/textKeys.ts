import { hash } from 'node:crypto';

/**
 * Distinct texts numbered in the order they first come: a text's key is 16 bytes of its SHA-256, and the
 * keys sit in one open-addressing table of typed arrays (20 bytes a slot, from three eighths to three quarters of them full), so
 * millions of texts cost tens of megabytes and no object or string each.
 */
export class TextNumbers {
  /** Four 32-bit words of key a slot; a slot's number is 0 when it is empty, else the text's number + 1. */
  private keys = new Uint32Array(4 * 1024);
  private numbers = new Int32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The number of `text`: the one it was given when first seen, else the next one. */
  numberOf(text: string): number {
    const key = hash('sha256', text, 'buffer');
    const words = [key.readUInt32LE(0), key.readUInt32LE(4), key.readUInt32LE(8), key.readUInt32LE(12)];
    const slot = this.slotOf(words);
    if (this.numbers[slot] !== 0) return this.numbers[slot] - 1;
    this.keys.set(words, slot * 4);
    this.numbers[slot] = ++this.count;
    if (this.count * 4 > this.numbers.length * 3) this.grow();
    return this.count - 1;
  }

  /** The slot holding `words`, or the empty slot where they go (linear probing). */
  private slotOf(words: readonly number[]): number {
    const mask = this.numbers.length - 1;
    for (let slot = words[0] & mask; ; slot = (slot + 1) & mask) {
      if (this.numbers[slot] === 0) return slot;
      const at = slot * 4;
      const k = this.keys;
      if (k[at] === words[0] && k[at + 1] === words[1] && k[at + 2] === words[2] && k[at + 3] === words[3]) return slot;
    }
  }

  private grow(): void {
    const { keys, numbers } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.numbers = new Int32Array(numbers.length * 2);
    for (let old = 0; old < numbers.length; old++) {
      if (numbers[old] === 0) continue;
      const words = [keys[old * 4], keys[old * 4 + 1], keys[old * 4 + 2], keys[old * 4 + 3]];
      const slot = this.slotOf(words);
      this.keys.set(words, slot * 4);
      this.numbers[slot] = numbers[old];
    }
  }
}

/** A list of 32-bit integers that grows by doubling, without an object per entry. */
export class IntList {
  private values = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const more = new Int32Array(this.values.length * 2);
      more.set(this.values);
      this.values = more;
    }
    this.values[this.length++] = value;
  }

  at(index: number): number {
    return this.values[index];
  }
}
