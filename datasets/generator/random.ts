/** Seeded randomness for building the generator's lookup tables: the same seed gives the same tables everywhere. */

/** A deterministic PRNG (mulberry32): uniform numbers in [0, 1). */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A child generator whose stream depends only on this seed and `salt`. */
  fork(salt: number): Rng {
    return new Rng((this.int(4294967296) ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}

/** A weighted categorical distribution with O(log n) sampling. */
export class Weighted<T> {
  readonly items: readonly T[];
  readonly #cumulative: Float64Array;
  readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    const positive = entries.filter(([, w]) => w > 0);
    this.items = positive.map(([item]) => item);
    this.#cumulative = new Float64Array(positive.length);
    let sum = 0;
    positive.forEach(([, w], i) => {
      sum += w;
      this.#cumulative[i] = sum;
    });
    this.total = sum;
  }

  get size(): number {
    return this.items.length;
  }

  sample(rng: Rng): T {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    const item = this.items[lo];
    if (item === undefined) throw new RangeError("sample from an empty distribution");
    return item;
  }

  /**
   * `slots` entries whose frequencies follow the weights (largest-remainder rounding), so that a uniform pick among
   * slots (what the SQL side does with a hash) samples the distribution. Items too rare for one slot are dropped.
   */
  toSlots(slots: number): T[] {
    const out: T[] = [];
    const shares = this.items.map((item, i) => {
      const w = (this.#cumulative[i] ?? 0) - (i > 0 ? (this.#cumulative[i - 1] ?? 0) : 0);
      const exact = (w / this.total) * slots;
      return { item, whole: Math.floor(exact), rest: exact - Math.floor(exact), i };
    });
    let used = 0;
    for (const s of shares) used += s.whole;
    const byRest = [...shares].sort((a, b) => b.rest - a.rest || a.i - b.i);
    for (let k = 0; used < slots && k < byRest.length; k++, used++) {
      const s = byRest[k];
      if (s) s.whole++;
    }
    for (const s of shares) for (let k = 0; k < s.whole; k++) out.push(s.item);
    return out;
  }
}
