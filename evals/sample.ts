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
  const random = mulberry32(seed);
  const order = items.map((_item, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.slice(0, count).map((i) => items[i] as T);
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
