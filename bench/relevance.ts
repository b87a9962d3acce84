/** The lexical baselines the semantic filter is compared with in `npm run bench:semantic`. */

const STOP = new Set("a an the of and or for to in on at by with from as is are be this that which it its into wherein said such may can one more each first second least".split(" "));
function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !STOP.has(w));
}

/** What `WHERE text ILIKE '%w1%' OR …` finds, ranked by how many of the query's words a row contains. */
export class KeywordMatch {
  private readonly lower: string[];
  constructor(texts: readonly string[]) { this.lower = texts.map((t) => t.toLowerCase()); }
  scores(query: string): number[] {
    const wanted = [...new Set(words(query))];
    return this.lower.map((t) => wanted.reduce((n, w) => n + (t.includes(w) ? 1 : 0), 0));
  }
}

/** Okapi BM25 (k1 1.2, b 0.75) over the corpus's words. */
export class Bm25 {
  private readonly tf: Map<string, number>[];
  private readonly df = new Map<string, number>();
  private readonly lengths: number[];
  private readonly average: number;
  constructor(texts: readonly string[]) {
    this.tf = texts.map((t) => {
      const counts = new Map<string, number>();
      for (const w of words(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
      for (const w of counts.keys()) this.df.set(w, (this.df.get(w) ?? 0) + 1);
      return counts;
    });
    this.lengths = this.tf.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
    this.average = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, this.lengths.length);
  }
  scores(query: string): number[] {
    const n = this.tf.length;
    const terms = [...new Set(words(query))].map((w) => ({ w, idf: Math.log(1 + (n - (this.df.get(w) ?? 0) + 0.5) / ((this.df.get(w) ?? 0) + 0.5)) }));
    return this.tf.map((counts, i) => terms.reduce((s, { w, idf }) => {
      const f = counts.get(w) ?? 0;
      return s + (f === 0 ? 0 : idf * (f * 2.2) / (f + 1.2 * (0.25 + 0.75 * (this.lengths[i] as number) / this.average)));
    }, 0));
  }
}
