/**
 * A word-bigram model of patent titles and abstracts, learned from real text. It writes new sentences with the real
 * vocabulary, word frequencies and sentence lengths; they read like patent prose without copying any real document.
 */
import { Rng, Weighted } from "./random.js";

const START = "\u0002";
const END = "\u0003";

export class BigramModel {
  readonly #next = new Map<string, Weighted<string>>();
  readonly #maxWords: number;

  /** Learns from `sentences` (each a list of words). */
  constructor(sentences: Iterable<readonly string[]>, maxWords: number) {
    this.#maxWords = maxWords;
    const counts = new Map<string, Map<string, number>>();
    const add = (a: string, b: string) => {
      let m = counts.get(a);
      if (!m) counts.set(a, (m = new Map()));
      m.set(b, (m.get(b) ?? 0) + 1);
    };
    for (const words of sentences) {
      if (words.length === 0) continue;
      let prev = START;
      for (const w of words) {
        add(prev, w);
        prev = w;
      }
      add(prev, END);
    }
    // sorted so that the model (and with it every generated text) does not depend on Map insertion order
    for (const [word, m] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      this.#next.set(word, new Weighted([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    }
  }

  /** Vocabulary size (distinct words seen). */
  get vocabulary(): number {
    return this.#next.size - 1;
  }

  /** One sentence of at most `maxWords` words. */
  sentence(rng: Rng): string {
    const words: string[] = [];
    let prev = START;
    while (words.length < this.#maxWords) {
      const dist = this.#next.get(prev);
      if (!dist || dist.size === 0) break;
      const w = dist.sample(rng);
      if (w === END) break;
      words.push(w);
      prev = w;
    }
    return words.join(" ");
  }
}

/** Splits prose into sentences of words (a sentence ends with a word ending in '.'). */
export function sentencesOf(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const w of text.split(/\s+/)) {
    if (w === "") continue;
    cur.push(w);
    if (w.endsWith(".")) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
