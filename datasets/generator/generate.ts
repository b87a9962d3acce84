/**
 * `streamlink data generate`: synthetic patents in the canonical schema, at any size, from distributions learned from
 * a real sample (profile.ts). See datasets/README.md for the layout and why it is sorted by publication date.
 *
 * How it scales: TypeScript turns the profile into small seeded lookup tables (shapes, assignees, CPC per assignee,
 * text fragments, …; a few MB whatever N is). DuckDB then produces the rows chunk by chunk from `range(lo, hi)`:
 * every random choice for row `i` is `hash(i, seed, salt)` into a lookup table, so a row depends only on (seed, i) —
 * deterministic, independent of threads and chunking — and memory holds one chunk at a time. The lookups are one
 * row of lists that every row indexes, so there are no joins: rows stay in `i` (= publication-date) order unsorted.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../../core/errors.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { CANONICAL_COLUMNS, CANONICAL_TABLES } from "../canonical.js";
import { type Counts, type PatentProfile, learnProfile } from "./profile.js";
import { Rng, Weighted } from "./random.js";
import { BigramModel, sentencesOf } from "./text-model.js";

export interface GenerateOptions {
  readonly rows: number;
  readonly outDir: string;
  /** Folder with the real sample in the canonical schema (patents.parquet, patent_cpc.parquet, patent_inventors.parquet). */
  readonly sampleDir: string;
  readonly seed?: number;
  /** Rows per output file (and per DuckDB pass); memory follows this, not `rows`. */
  readonly chunkRows?: number;
  readonly rowGroupSize?: number;
  readonly threads?: number;
  readonly memoryLimit?: string;
  /** Replace existing generated tables in `outDir`. */
  readonly overwrite?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface GenerateReport {
  readonly rows: Readonly<Record<string, number>>;
  readonly files: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly seed: number;
  /** Seconds spent learning the sample and building lookup tables (independent of `rows`). */
  readonly setupSeconds: number;
}

const SHAPE_SLOTS = 4096;
const ASSIGNEE_SLOTS = 1 << 18;
const CPC_SLOTS = 512;
const SMALL_SLOTS = 4096;
const NAME_SLOTS = 1 << 16;
const TEXT_SLOTS = 1 << 16;
const SENTENCE_SLOTS = 1 << 15;
const ABSTRACT_REST_SLOTS = 1 << 14;
const MAX_CPC_PER_PATENT = 64;

// Trailing company-form words, learned per name so that synthetic names end the way real ones do.
const COMPANY_FORM = /^(inc\.?|corp\.?|corporation|co\.,?|ltd\.?|llc|l\.p\.|limited|gmbh|ag|s\.a\.|company|incorporated|kabushiki|kaisha|plc|n\.v\.|b\.v\.)$/i;

/** Names for assignees the sample never saw: real name words recombined, with a real company form at the end. */
function novelAssigneeNames(profile: PatentProfile, count: number, rng: Rng): string[] {
  const cores: [string, number][] = [];
  const forms = new Map<string, number>();
  for (const [name, n] of profile.assignees) {
    const words = name.split(" ");
    let k = words.length;
    while (k > 1 && COMPANY_FORM.test(words[k - 1] ?? "")) k--;
    if (k < words.length) forms.set(words.slice(k).join(" "), (forms.get(words.slice(k).join(" ")) ?? 0) + n);
    for (const w of words.slice(0, k)) if (/^[A-Z][A-Za-z&-]{2,}$/.test(w)) cores.push([w, 1]);
  }
  const coreDist = new Weighted(cores.length > 0 ? cores : [["Synthetic", 1]]);
  const formDist = new Weighted(forms.size > 0 ? [...forms.entries()].sort(([a], [b]) => (a < b ? -1 : 1)) : [["Inc.", 1]]);
  return Array.from({ length: count }, () => `${coreDist.sample(rng)} ${coreDist.sample(rng)} ${formDist.sample(rng)}`);
}

function singletons(counts: Counts<string>): number {
  return counts.filter(([, n]) => n === 1).length;
}

/**
 * Good–Turing adjusted frequencies: a name seen r times gets r* = (r+1)·N(r+1)/N(r) (N(r): names seen r times) while
 * r is small, and the mass this frees — N(1), the singletons — goes to names the sample never saw. Frequent names
 * (NVIDIA) keep their share; the tail becomes open-ended, as a bigger sample's would.
 */
function goodTuring(counts: Counts<string>): number[] {
  const byCount = new Map<number, number>();
  for (const [, n] of counts) byCount.set(n, (byCount.get(n) ?? 0) + 1);
  return counts.map(([, r]) => {
    const next = byCount.get(r + 1) ?? 0;
    return r <= 5 && next > 0 ? ((r + 1) * next) / (byCount.get(r) ?? 1) : r;
  });
}

/** Accumulates the lookup lists; `create` turns them into the one-row `pools` table the row SQL cross-joins. */
class Pools {
  readonly #lists: { name: string; type: "INTEGER" | "VARCHAR"; values: readonly (string | number | null)[] }[] = [];

  add(name: string, type: "INTEGER" | "VARCHAR", values: readonly (string | number | null)[]): void {
    this.#lists.push({ name, type, values });
  }

  /** Stages each list as a (slot, v) table, then folds them into one row of lists and drops the staging tables. */
  async create(bench: ParquetWorkbench): Promise<void> {
    for (const { name, type, values } of this.#lists) {
      const sink = await bench.createTable(`g_${name}`, [
        { name: "slot", type: "INTEGER" },
        { name: "v", type },
      ]);
      values.forEach((v, slot) => sink.append([slot, v]));
      sink.close();
    }
    await bench.run(`CREATE OR REPLACE TEMP TABLE pools AS SELECT ${this.#lists.map(({ name }) => `(SELECT list(v ORDER BY slot) FROM g_${name}) AS ${name}`).join(", ")}`);
    await bench.run(this.#lists.map(({ name }) => `DROP TABLE g_${name}`).join("; "));
  }
}

function weightedSlots<T>(counts: readonly (readonly [T, number])[], slots: number, fallback: T): T[] {
  const w = new Weighted(counts.length > 0 ? counts : [[fallback, 1] as const]);
  return w.toSlots(slots);
}

/**
 * Builds every lookup list for `rows` synthetic patents as one row (`pools`). Rows pick from the lists by index, so
 * the SQL needs no joins: no hash tables to build per chunk, and rows keep their `i` order without a sort.
 */
async function loadLookups(bench: ParquetWorkbench, profile: PatentProfile, rows: number, seed: number): Promise<{ realAssignees: number; novelAssignees: number }> {
  const rng = new Rng(seed);
  const pools = new Pools();

  // publication date: row i sits at quantile i/N of the sample's dates, so rows come out sorted by date
  const q = profile.publicationDayQuantiles;
  pools.add("day", "INTEGER", Array.from({ length: 1001 }, (_, k) => q[k] ?? q[q.length - 1] ?? 0));

  // shapes (which fields a row has) per five-year period; years without sample rows use the nearest period
  const buckets = [...new Set(profile.shapes.map((s) => s.bucket))].sort((a, b) => a - b);
  pools.add(
    "year_bucket",
    "INTEGER",
    Array.from({ length: 301 }, (_, k) => {
      const y = 1900 + k;
      const nearest = buckets.reduce((best, b) => (Math.abs(b + 2 - y) < Math.abs(best + 2 - y) ? b : best), buckets[0] ?? 2000);
      return buckets.indexOf(nearest);
    }),
  );
  const shapeSlots = buckets.flatMap((b) => new Weighted(profile.shapes.filter((s) => s.bucket === b).map((s) => [s, s.count] as const)).toSlots(SHAPE_SLOTS));
  pools.add("shape_country", "VARCHAR", shapeSlots.map((s) => s.country));
  pools.add("shape_kind", "VARCHAR", shapeSlots.map((s) => s.kind));
  pools.add("shape_flags", "INTEGER", shapeSlots.map((s) => [s.hasAbstract, s.hasAssignee, s.hasFiling, s.hasGrant, s.hasCpc, s.hasClaims, s.hasInventors].reduce((f, on, bit) => f | (on ? 1 << bit : 0), 0)));

  // assignees: the sample's names at Good–Turing frequencies, plus the unseen share spread over new names (the long tail)
  const real = profile.assignees;
  const u = Math.min(profile.unseenAssigneeShare, 0.9);
  const novelAssignees = Math.max(256, Math.min(1 << 22, Math.round((rows * u) / 3)));
  pools.add("assignee_slot", "INTEGER", weightedSlots<number>([...goodTuring(real).map((w, idx) => [idx, w] as const), [-1, singletons(real)] as const], ASSIGNEE_SLOTS, -1));
  const unclassified = real.map((_, idx) => idx).filter((idx) => !profile.cpcByAssignee.has(real[idx]?.[0] ?? ""));
  pools.add("assignee_name", "VARCHAR", [...real.map(([name]) => name), ...novelAssigneeNames(profile, novelAssignees, rng.fork(1))]);
  pools.add("assignee_profile", "INTEGER", [...real.map((_, idx) => idx), ...Array.from({ length: novelAssignees }, (_, k) => (unclassified.length > 0 ? (unclassified[k % unclassified.length] ?? 0) : 0))]);

  // CPC per assignee (CPC_SLOTS per profile): the sample's own codes where it classifies the assignee; otherwise a
  // specialisation in three subclasses drawn from the sample's subclass frequencies (it classifies only NVIDIA's patents)
  const subclasses = new Weighted([...profile.cpcBySubclass.entries()].map(([s, list]) => [s, list.reduce((t, [, n]) => t + n, 0)] as const));
  const groupsOf = new Map([...profile.cpcBySubclass.entries()].map(([s, list]) => [s, new Weighted(list)]));
  const crng = rng.fork(2);
  const cpc: (string | null)[] = [];
  for (const [name] of real) {
    const own = profile.cpcByAssignee.get(name);
    if (own) {
      const dist = new Weighted(own);
      for (let slot = 0; slot < CPC_SLOTS; slot++) cpc.push(dist.sample(crng));
      continue;
    }
    const spec = subclasses.size > 0 ? [subclasses.sample(crng), subclasses.sample(crng), subclasses.sample(crng)] : [];
    for (let slot = 0; slot < CPC_SLOTS; slot++) {
      const groups = groupsOf.get(spec[slot < CPC_SLOTS * 0.6 ? 0 : slot < CPC_SLOTS * 0.9 ? 1 : 2] ?? "");
      cpc.push(groups ? groups.sample(crng) : null);
    }
  }
  pools.add("cpc", "VARCHAR", cpc);

  pools.add("ncpc", "INTEGER", weightedSlots(profile.cpcRowsPerPatent.filter(([k]) => k <= MAX_CPC_PER_PATENT), SMALL_SLOTS, 1));
  pools.add("claims", "INTEGER", weightedSlots(profile.claims, SMALL_SLOTS, 20));
  pools.add("lag", "INTEGER", weightedSlots(profile.filingLagDays, SMALL_SLOTS, 365));
  pools.add("ninv", "INTEGER", weightedSlots(profile.inventorsPerPatent, SMALL_SLOTS, 1));
  const nrng = rng.fork(3);
  const firsts = new Weighted(profile.inventorFirstNames.length > 0 ? profile.inventorFirstNames : [["Alex", 1]]);
  const lasts = new Weighted(profile.inventorLastNames.length > 0 ? profile.inventorLastNames : [["Smith", 1]]);
  pools.add("first", "VARCHAR", Array.from({ length: NAME_SLOTS }, () => firsts.sample(nrng)));
  pools.add("last", "VARCHAR", Array.from({ length: NAME_SLOTS }, () => lasts.sample(nrng)));

  // text: titles are a head and a tail of two generated titles (65 536² combinations), abstracts a generated sentence
  // followed by a generated rest, with the sample's sentence counts
  const titleModel = new BigramModel(profile.titles.map((t) => t.split(/\s+/).filter((w) => w !== "")), 40);
  const trng = rng.fork(4);
  const heads: string[] = [];
  const tails: string[] = [];
  for (let k = 0; k < TEXT_SLOTS; k++) {
    const words = (titleModel.sentence(trng) || "System").split(" ");
    const cut = Math.ceil(words.length / 2);
    heads.push(words.slice(0, cut).join(" "));
    tails.push(words.slice(cut).join(" "));
  }
  pools.add("thead", "VARCHAR", heads);
  pools.add("ttail", "VARCHAR", tails);
  const sentenceModel = new BigramModel(profile.abstracts.flatMap((a) => sentencesOf(a)), 80);
  const arng = rng.fork(5);
  pools.add("sent", "VARCHAR", Array.from({ length: SENTENCE_SLOTS }, () => sentenceModel.sentence(arng)));
  const sentenceCounts = new Weighted(profile.abstractSentences.length > 0 ? profile.abstractSentences : [[1, 1] as const]);
  pools.add("arest", "VARCHAR", Array.from({ length: ABSTRACT_REST_SLOTS }, () => Array.from({ length: Math.max(0, sentenceCounts.sample(arng) - 1) }, () => sentenceModel.sentence(arng)).join(" ")));

  await pools.create(bench);
  return { realAssignees: real.length, novelAssignees };
}

/** `list[hash(i, seed, salt) % size]` (lists are 1-based). */
function pick(list: string, row: string, seed: number, salt: number | string, size: number, offset = ""): string {
  return `p.${list}[(${offset}1 + hash(${row}, ${seed}, ${salt}) % ${size})::BIGINT]`;
}

/** SQL for the base rows of one chunk: every non-text field, plus what the child tables need. */
function baseSql(lo: number, hi: number, rows: number, seed: number, realAssignees: number, novelAssignees: number): string {
  const flag = (bit: number) => `(flags & ${1 << bit}) <> 0`;
  return `CREATE OR REPLACE TEMP TABLE base AS
  WITH a AS (
    SELECT r.i, DATE '1970-01-01' + (p.day[r.k + 1] + round((p.day[r.k + 2] - p.day[r.k + 1]) * (r.pos - r.k)))::INTEGER AS pub
    FROM (SELECT i, i * 1000.0 / ${rows} AS pos, least(floor(i * 1000.0 / ${rows}), 999)::BIGINT AS k FROM range(${lo}, ${hi}) t(i)) r CROSS JOIN pools p
  ), b AS (
    SELECT a.i, a.pub, ${pick("assignee_slot", "a.i", seed, 2, ASSIGNEE_SLOTS)} AS aslot,
      (p.year_bucket[(least(greatest(year(a.pub), 1900), 2200) - 1899)::BIGINT] * ${SHAPE_SLOTS} + 1 + hash(a.i, ${seed}, 1) % ${SHAPE_SLOTS})::BIGINT AS si
    FROM a CROSS JOIN pools p
  ), c AS (
    SELECT b.i, b.pub, p.shape_country[b.si] AS country, p.shape_kind[b.si] AS kind, p.shape_flags[b.si] AS flags,
      CASE WHEN b.aslot >= 0 THEN b.aslot ELSE ${realAssignees} + hash(b.i, ${seed}, 3) % ${novelAssignees} END::BIGINT AS aid
    FROM b CROSS JOIN pools p
  ), d AS (
    SELECT c.*, CASE WHEN ${flag(1)} THEN p.assignee_name[c.aid + 1] END AS assignee,
      CASE WHEN ${flag(1)} THEN p.assignee_profile[c.aid + 1] ELSE 0 END AS profile,
      CASE
        WHEN country = 'US' AND kind = 'S' THEN 'D' || (100000 + i)
        WHEN country = 'US' AND kind = 'E' THEN 'RE' || (30000 + i)
        WHEN country = 'US' AND kind = 'H' THEN 'H' || (1000 + i)
        WHEN country = 'US' AND ${flag(3)} THEN (1000000 + i)::VARCHAR
        ELSE year(pub)::VARCHAR || printf('%07d', i) END AS n
    FROM c CROSS JOIN pools p
  )
  SELECT d.i, d.country || '-' || d.n || CASE WHEN d.kind IS NULL THEN '' ELSE '-' || d.kind END AS publication_number,
    d.n AS patent_id, d.country, d.kind, d.assignee, d.profile,
    CASE WHEN ${flag(2)} THEN d.pub - ${pick("lag", "d.i", seed, 5, SMALL_SLOTS)} END AS filing_date,
    CASE WHEN ${flag(3)} THEN d.pub END AS grant_date,
    d.pub AS publication_date,
    CASE WHEN ${flag(4)} THEN ${pick("cpc", "d.i", seed, 4, CPC_SLOTS, `d.profile * ${CPC_SLOTS} + `)} END AS cpc,
    CASE WHEN ${flag(5)} THEN ${pick("claims", "d.i", seed, 6, SMALL_SLOTS)} END AS num_claims,
    ${flag(0)} AS has_abstract,
    CASE WHEN ${flag(4)} THEN ${pick("ncpc", "d.i", seed, 7, SMALL_SLOTS)} ELSE 0 END AS n_cpc,
    CASE WHEN ${flag(6)} THEN ${pick("ninv", "d.i", seed, 8, SMALL_SLOTS)} ELSE 0 END AS n_inv
  FROM d CROSS JOIN pools p`;
}

function patentsSql(seed: number): string {
  return `SELECT b.publication_number, b.patent_id, b.country, b.kind,
      trim(${pick("thead", "b.i", seed, 10, TEXT_SLOTS)} || ' ' || ${pick("ttail", "b.i", seed, 11, TEXT_SLOTS)}) AS title,
      CASE WHEN b.has_abstract THEN concat_ws(' ', ${pick("sent", "b.i", seed, 12, SENTENCE_SLOTS)}, nullif(${pick("arest", "b.i", seed, 13, ABSTRACT_REST_SLOTS)}, '')) END AS abstract,
      b.assignee, b.filing_date, b.grant_date, b.publication_date, b.cpc, b.num_claims::INTEGER AS num_claims
    FROM base b CROSS JOIN pools p`;
}

function cpcSql(seed: number, inventionalShare: number): string {
  // entry 0 is the first inventional group (patents.cpc); later entries come from the same assignee's codes
  return `SELECT publication_number, sequence, c AS cpc, left(c, 1) AS section, left(c, 3) AS class, left(c, 4) AS subclass, type FROM (
    SELECT x.publication_number, x.j::INTEGER AS sequence,
      CASE WHEN x.j = 0 THEN x.first_cpc ELSE coalesce(${pick("cpc", "x.i", seed, "100 + x.j", CPC_SLOTS, `x.profile * ${CPC_SLOTS} + `)}, x.first_cpc) END AS c,
      CASE WHEN x.j = 0 OR (hash(x.i, ${seed}, 200 + x.j) % 10000) < ${Math.round(inventionalShare * 10000)} THEN 'inventional' ELSE 'additional' END AS type
    FROM (SELECT i, publication_number, profile, cpc AS first_cpc, unnest(range(n_cpc)) AS j FROM base WHERE cpc IS NOT NULL) x CROSS JOIN pools p)`;
}

function inventorsSql(seed: number): string {
  return `SELECT x.publication_number, x.j::INTEGER AS sequence, ${pick("first", "x.i", seed, "300 + x.j", NAME_SLOTS)} || ' ' || ${pick("last", "x.i", seed, "400 + x.j", NAME_SLOTS)} AS name
    FROM (SELECT i, publication_number, unnest(range(n_inv)) AS j FROM base WHERE n_inv > 0) x CROSS JOIN pools p`;
}

/** Generates `rows` patents (and their CPC and inventor rows) as Parquet parts under `outDir/<table>/`. */
export async function generatePatents(options: GenerateOptions): Promise<GenerateReport> {
  const rows = Math.floor(options.rows);
  if (!Number.isFinite(rows) || rows < 1) throw new UsageError(`--rows must be a positive whole number, got ${options.rows}.`, "For example: streamlink data generate --rows 1000000 --out data/synthetic");
  const seed = Math.floor(options.seed ?? 42);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative whole number, got ${options.seed}.`, "For example: --seed 7");
  const chunkRows = Math.max(1000, Math.floor(options.chunkRows ?? 1_000_000));
  const out = resolve(options.outDir);
  for (const table of CANONICAL_TABLES) {
    const dir = join(out, table);
    const existing = await readdir(dir).catch(() => []);
    if (existing.length > 0) {
      if (!options.overwrite) throw new UsageError(`${dir} already holds data.`, "Choose an empty --out folder, or pass --overwrite to replace the generated tables.", { dir });
      await rm(dir, { recursive: true, force: true });
    }
    await mkdir(dir, { recursive: true });
  }

  const started = performance.now();
  const bench = await ParquetWorkbench.open({ threads: options.threads ?? 2, memoryLimit: options.memoryLimit ?? "3GB", tempDirectory: join(out, ".tmp") });
  try {
    const profile = await learnProfile(bench, resolve(options.sampleDir));
    const { realAssignees, novelAssignees } = await loadLookups(bench, profile, rows, seed);
    const setupSeconds = (performance.now() - started) / 1000;
    const counts: Record<string, number> = { patents: 0, patent_cpc: 0, patent_inventors: 0 };
    let files = 0;
    for (let lo = 0, part = 0; lo < rows; lo += chunkRows, part++) {
      const hi = Math.min(rows, lo + chunkRows);
      await bench.run(baseSql(lo, hi, rows, seed, realAssignees, novelAssignees));
      const name = `part-${String(part).padStart(5, "0")}.parquet`;
      const rowGroupSize = options.rowGroupSize ?? 122_880;
      counts["patents"] = (counts["patents"] ?? 0) + (await bench.copyToParquet(patentsSql(seed), join(out, "patents", name), { rowGroupSize }));
      counts["patent_cpc"] = (counts["patent_cpc"] ?? 0) + (await bench.copyToParquet(cpcSql(seed, profile.inventionalShareAfterFirst), join(out, "patent_cpc", name), { rowGroupSize }));
      counts["patent_inventors"] = (counts["patent_inventors"] ?? 0) + (await bench.copyToParquet(inventorsSql(seed), join(out, "patent_inventors", name), { rowGroupSize }));
      files += 3;
      options.onProgress?.(hi, rows);
    }
    await bench.run("DROP TABLE base; DROP TABLE pools");
    const seconds = (performance.now() - started) / 1000;
    const report: GenerateReport = { rows: counts, files, seconds, rowsPerSecond: rows / seconds, seed, setupSeconds };
    await writeFile(
      join(out, "GENERATED.json"),
      JSON.stringify({ ...report, sample: resolve(options.sampleDir), chunkRows, columns: CANONICAL_COLUMNS, layout: "sorted by publication_date; one file per chunk of rows" }, null, 1),
    );
    return report;
  } finally {
    bench.close();
    await rm(join(out, ".tmp"), { recursive: true, force: true });
  }
}
