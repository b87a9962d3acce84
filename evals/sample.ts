/** mulberry32: a small, fast generator whose sequence is fixed by its 32-bit seed on every platform. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` items drawn without replacement by a seeded shuffle, in the shuffled order. The same seed and input give
 * the same sample everywhere, so figures can be re-run; without a count every item is kept, in its original order.
 */
export function seededSample<T>(items: readonly T[], count: number | undefined, seed: number): T[] {
  if (count === undefined || count >= items.length) return [...items];
  return seededShuffle(items, seed).slice(0, count);
}

/** Every item in an order fixed by `seed` (Fisher–Yates with mulberry32). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const order = items.map((_item, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.map((i) => items[i] as T);
}

/**
 * The same items with those of one source next to each other, sources in order of first appearance. The model
 * keeps the evaluated prompt between questions, and a question on the database just asked reuses its schema part:
 * on Spider that spares re-reading a schema (seconds on 2 cores) for most questions of a sample.
 */
export function groupBySource<T extends { readonly source: string }>(items: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.source);
    if (group) group.push(item);
    else groups.set(item.source, [item]);
  }
  return [...groups.values()].flat();
}

/**
 * Splits `items` into a development part and a held-out part of about `fraction` of each stratum (items with the
 * same `stratum` key, e.g. the label), by a seeded shuffle: rules are tuned on `dev` only and reported on `heldOut`.
 */
export function splitHeldOut<T>(items: readonly T[], fraction: number, seed: number, stratum: (item: T) => string): { dev: T[]; heldOut: T[] } {
  const strata = new Map<string, T[]>();
  for (const item of items) {
    const key = stratum(item);
    const list = strata.get(key);
    if (list) list.push(item);
    else strata.set(key, [item]);
  }
  const dev: T[] = [];
  const heldOut: T[] = [];
  for (const list of strata.values()) {
    const shuffled = seededShuffle(list, seed);
    const cut = Math.round(shuffled.length * fraction);
    heldOut.push(...shuffled.slice(0, cut));
    dev.push(...shuffled.slice(cut));
  }
  return { dev, heldOut };
}
