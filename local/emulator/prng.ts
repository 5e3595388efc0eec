// Seeded pseudo-random streams, so the emulator's data and ids are the same on every run with the same seed.

export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /** 24 lowercase hex chars, the shape of a Mongo ObjectId. */
  objectId(): string;
  shuffle<T>(items: T[]): T[];
}

/**
 * One independent stream per (seed, name): drawing more from one stream (say, more license
 * fields) must not shift what another (say, ids) produces.
 */
export function createPrng(seed: number | string, stream = ''): Prng {
  let state = hash(`${seed}\u0000${stream}`);
  // mulberry32: tiny, fast, and good enough for test data (not for anything secret).
  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = () => uint32() / 4294967296;
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const hex8 = () => {
    const n = uint32();
    return HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
  };
  return {
    next,
    int,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (probability) => next() < probability,
    objectId: () => hex8() + hex8() + hex8(),
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}

// A byte-to-hex table: benchmark data sets need hundreds of thousands of ids, and toString(16) is ~3x slower.
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** FNV-1a: turns any seed text into a 32-bit starting state. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
