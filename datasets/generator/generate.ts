/**
 * `streamlink data generate`: synthetic patents in the canonical schema, at any size, from distributions learned from
 * a real sample (profile.ts). See datasets/README.md for the layout and why it is sorted by publication date.
 *
 * How it scales: TypeScript turns the profile into small seeded lookup tables (shapes, assignees, CPC per assignee,
 * text fragments, …; a few MB whatever N is). DuckDB then produces the rows chunk by chunk from `range(lo, hi)`:
 * every random choice for row `i` is `hash(i, seed, salt)` into a lookup table, so a row depends only on (seed, i) —
 * deterministic, independent of threads and chunking — and memory holds one chunk at a time.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../../core/errors.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { CANONICAL_COLUMNS, CANONICAL_TABLES } from "../canonical.js";
import { type PatentProfile, learnProfile } from "./profile.js";
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
const ABSTRACT_REST_SLOTS = 1 << 15;
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

/** Fills a `(slot, value)` table from weighted values. */
async function slotTable(bench: ParquetWorkbench, name: string, type: "INTEGER" | "VARCHAR", values: readonly (string | number)[]): Promise<void> {
  const sink = await bench.createTable(name, [
    { name: "slot", type: "INTEGER" },
    { name: "v", type },
  ]);
  values.forEach((v, slot) => sink.append([slot, v]));
  sink.close();
}

function weightedSlots<T>(counts: readonly (readonly [T, number])[], slots: number, fallback: T): T[] {
  const w = new Weighted(counts.length > 0 ? counts : [[fallback, 1] as const]);
  return w.toSlots(slots);
}

/** Builds every lookup table for `rows` synthetic patents. */
async function loadLookups(bench: ParquetWorkbench, profile: PatentProfile, rows: number, seed: number): Promise<{ realAssignees: number; novelAssignees: number }> {
  const rng = new Rng(seed);
  let T = performance.now(); const lap = (m: string) => { console.error(m, ((performance.now() - T) / 1000).toFixed(2)); T = performance.now(); };

  // publication date: row i sits at quantile i/N of the sample's dates, so rows come out sorted by date
  const q = profile.publicationDayQuantiles;
  const dayq = await bench.createTable("g_dayq", [
    { name: "k", type: "INTEGER" },
    { name: "day", type: "INTEGER" },
    { name: "next_day", type: "INTEGER" },
  ]);
  for (let k = 0; k < 1000; k++) dayq.append([k, q[k] ?? 0, q[k + 1] ?? q[k] ?? 0]);
  dayq.close();

  lap('  // shapes (which');
  // shapes (which fields a row has) per five-year period; years without sample rows use the nearest period
  const buckets = [...new Set(profile.shapes.map((s) => s.bucket))].sort((a, b) => a - b);
  const years = await bench.createTable("g_year", [
    { name: "year", type: "INTEGER" },
    { name: "bucket", type: "INTEGER" },
  ]);
  for (let y = 1900; y <= 2200; y++) {
    const nearest = buckets.reduce((best, b) => (Math.abs(b + 2 - y) < Math.abs(best + 2 - y) ? b : best), buckets[0] ?? 2000);
    years.append([y, nearest]);
  }
  years.close();
  const shapes = await bench.createTable("g_shape", [
    { name: "bucket", type: "INTEGER" },
    { name: "slot", type: "INTEGER" },
    { name: "country", type: "VARCHAR" },
    { name: "kind", type: "VARCHAR" },
    { name: "flags", type: "INTEGER" },
  ]);
  for (const b of buckets) {
    const inBucket = profile.shapes.filter((s) => s.bucket === b);
    new Weighted(inBucket.map((s) => [s, s.count] as const)).toSlots(SHAPE_SLOTS).forEach((s, slot) => {
      const flags = [s.hasAbstract, s.hasAssignee, s.hasFiling, s.hasGrant, s.hasCpc, s.hasClaims, s.hasInventors].reduce((f, on, bit) => f | (on ? 1 << bit : 0), 0);
      shapes.append([b, slot, s.country, s.kind, flags]);
    });
  }
  shapes.close();

  lap('  // assignees: the');
  // assignees: the sample's names at their frequencies, plus the unseen share spread over new names (the long tail)
  const real = profile.assignees;
  const named = real.reduce((s, [, n]) => s + n, 0);
  const u = Math.min(profile.unseenAssigneeShare, 0.9);
  const novelAssignees = Math.max(256, Math.min(1 << 22, Math.round((rows * u) / 3)));
  const assigneeSlots: (number | string)[] = weightedSlots<number>([...real.map(([, n], idx) => [idx, n] as const), [-1, (named * u) / (1 - u)] as const], ASSIGNEE_SLOTS, -1);
  await slotTable(bench, "g_assignee_slot", "INTEGER", assigneeSlots);
  const assignees = await bench.createTable("g_assignee", [
    { name: "aid", type: "INTEGER" },
    { name: "name", type: "VARCHAR" },
    { name: "profile", type: "INTEGER" },
  ]);
  real.forEach(([name], idx) => assignees.append([idx, name, idx]));
  const unclassified = real.map((_, idx) => idx).filter((idx) => !profile.cpcByAssignee.has(real[idx]?.[0] ?? ""));
  novelAssigneeNames(profile, novelAssignees, rng.fork(1)).forEach((name, k) => assignees.append([real.length + k, name, unclassified.length > 0 ? (unclassified[k % unclassified.length] ?? 0) : 0]));
  assignees.close();

  lap('  // CPC per assigne');
  // CPC per assignee: the sample's own codes where it classifies the assignee; otherwise a specialisation in three
  // subclasses drawn from the sample's subclass frequencies (the sample classifies only NVIDIA's patents)
  const cpc = await bench.createTable("g_cpc", [
    { name: "profile", type: "INTEGER" },
    { name: "slot", type: "INTEGER" },
    { name: "cpc", type: "VARCHAR" },
  ]);
  const subclasses = new Weighted([...profile.cpcBySubclass.entries()].map(([s, list]) => [s, list.reduce((t, [, n]) => t + n, 0)] as const));
  const groupsOf = new Map([...profile.cpcBySubclass.entries()].map(([s, list]) => [s, new Weighted(list)]));
  const crng = rng.fork(2);
  real.forEach(([name], idx) => {
    const own = profile.cpcByAssignee.get(name);
    if (own) {
      const dist = new Weighted(own);
      for (let slot = 0; slot < CPC_SLOTS; slot++) cpc.append([idx, slot, dist.sample(crng)]);
      return;
    }
    if (subclasses.size === 0) return;
    const spec = [subclasses.sample(crng), subclasses.sample(crng), subclasses.sample(crng)];
    for (let slot = 0; slot < CPC_SLOTS; slot++) {
      const sub = spec[slot < CPC_SLOTS * 0.6 ? 0 : slot < CPC_SLOTS * 0.9 ? 1 : 2] ?? "";
      const groups = groupsOf.get(sub);
      if (groups) cpc.append([idx, slot, groups.sample(crng)]);
    }
  });
  cpc.close();

  lap('  await slotTable(be');
  await slotTable(bench, "g_ncpc", "INTEGER", weightedSlots(profile.cpcRowsPerPatent.filter(([k]) => k <= MAX_CPC_PER_PATENT), SMALL_SLOTS, 1));
  await slotTable(bench, "g_claims", "INTEGER", weightedSlots(profile.claims, SMALL_SLOTS, 20));
  await slotTable(bench, "g_lag", "INTEGER", weightedSlots(profile.filingLagDays, SMALL_SLOTS, 365));
  await slotTable(bench, "g_ninv", "INTEGER", weightedSlots(profile.inventorsPerPatent, SMALL_SLOTS, 1));
  const nrng = rng.fork(3);
  const firsts = new Weighted(profile.inventorFirstNames.length > 0 ? profile.inventorFirstNames : [["Alex", 1]]);
  const lasts = new Weighted(profile.inventorLastNames.length > 0 ? profile.inventorLastNames : [["Smith", 1]]);
  await slotTable(bench, "g_first", "VARCHAR", Array.from({ length: NAME_SLOTS }, () => firsts.sample(nrng)));
  await slotTable(bench, "g_last", "VARCHAR", Array.from({ length: NAME_SLOTS }, () => lasts.sample(nrng)));

  lap('  // text: titles');
  // text: titles are a head and a tail of two generated titles (65 536² combinations), abstracts a generated sentence
  // followed by a generated rest, with the sample's sentence counts
  const titleModel = new BigramModel(profile.titles.map((t) => t.split(/\s+/).filter((w) => w !== "")), 40);
  const trng = rng.fork(4);
  const heads: string[] = [];
  const tails: string[] = [];
  for (let k = 0; k < TEXT_SLOTS; k++) {
    let t = titleModel.sentence(trng);
    if (t === "") t = "System";
    const words = t.split(" ");
    const cut = Math.ceil(words.length / 2);
    heads.push(words.slice(0, cut).join(" "));
    tails.push(words.slice(cut).join(" "));
  }
  await slotTable(bench, "g_thead", "VARCHAR", heads);
  await slotTable(bench, "g_ttail", "VARCHAR", tails);
  lap('  const sentenceMode');
  const sentenceModel = new BigramModel(
    profile.abstracts.flatMap((a) => sentencesOf(a)),
    80,
  );
  const arng = rng.fork(5);
  await slotTable(bench, "g_sent", "VARCHAR", Array.from({ length: TEXT_SLOTS }, () => sentenceModel.sentence(arng)));
  const sentenceCounts = new Weighted(profile.abstractSentences.length > 0 ? profile.abstractSentences : [[1, 1] as const]);
  lap('  await slotTable(\n ');
  await slotTable(
    bench,
    "g_arest",
    "VARCHAR",
    Array.from({ length: ABSTRACT_REST_SLOTS }, () => Array.from({ length: Math.max(0, sentenceCounts.sample(arng) - 1) }, () => sentenceModel.sentence(arng)).join(" ")),
  );
  lap('  return { realAssig');
  return { realAssignees: real.length, novelAssignees };
}

/** SQL for the base rows of one chunk: every non-text field, plus what the child tables need. */
function baseSql(lo: number, hi: number, rows: number, seed: number, realAssignees: number, novelAssignees: number): string {
  const h = (salt: number, mod: number) => `(hash(i, ${seed}, ${salt}) % ${mod})::INTEGER`;
  const flag = (bit: number) => `(flags & ${1 << bit}) <> 0`;
  return `CREATE OR REPLACE TEMP TABLE base AS
  WITH r AS (
    SELECT i, i * 1000.0 / ${rows} AS pos FROM range(${lo}, ${hi}) t(i)
  ), d AS (
    SELECT r.i, DATE '1970-01-01' + (q.day + round((q.next_day - q.day) * (r.pos - q.k)))::INTEGER AS pub
    FROM r JOIN g_dayq q ON q.k = least(floor(r.pos)::INTEGER, 999)
  ), s AS (
    SELECT d.i, d.pub, sh.country, sh.kind, sh.flags
    FROM d JOIN g_year y ON y.year = year(d.pub) JOIN g_shape sh ON sh.bucket = y.bucket AND sh.slot = ${h(1, SHAPE_SLOTS)}
  ), a AS (
    SELECT s.*, CASE WHEN ${flag(1)} THEN CASE WHEN sl.v >= 0 THEN sl.v ELSE ${realAssignees} + ${h(3, novelAssignees)} END END AS aid
    FROM s JOIN g_assignee_slot sl ON sl.slot = ${h(2, ASSIGNEE_SLOTS)}
  ), n AS (
    SELECT a.*, CASE
      WHEN country = 'US' AND kind = 'S' THEN 'D' || (100000 + i)
      WHEN country = 'US' AND kind = 'E' THEN 'RE' || (30000 + i)
      WHEN country = 'US' AND kind = 'H' THEN 'H' || (1000 + i)
      WHEN country = 'US' AND ${flag(3)} THEN (1000000 + i)::VARCHAR
      ELSE year(pub)::VARCHAR || printf('%07d', i) END AS n
    FROM a
  )
  SELECT a.i, a.country || '-' || a.n || CASE WHEN a.kind IS NULL THEN '' ELSE '-' || a.kind END AS publication_number,
    a.n AS patent_id, a.country, a.kind, ga.name AS assignee, coalesce(ga.profile, 0) AS profile,
    CASE WHEN ${flag(2)} THEN a.pub - lag.v END AS filing_date,
    CASE WHEN ${flag(3)} THEN a.pub END AS grant_date,
    a.pub AS publication_date,
    CASE WHEN ${flag(4)} THEN gc.cpc END AS cpc,
    CASE WHEN ${flag(5)} THEN cl.v END AS num_claims,
    ${flag(0)} AS has_abstract,
    CASE WHEN ${flag(4)} AND gc.cpc IS NOT NULL THEN nc.v ELSE 0 END AS n_cpc,
    CASE WHEN ${flag(6)} THEN ni.v ELSE 0 END AS n_inv
  FROM n a
  LEFT JOIN g_assignee ga ON ga.aid = a.aid
  LEFT JOIN g_cpc gc ON gc.profile = coalesce(ga.profile, 0) AND gc.slot = ${h(4, CPC_SLOTS)}
  JOIN g_lag lag ON lag.slot = ${h(5, SMALL_SLOTS)}
  JOIN g_claims cl ON cl.slot = ${h(6, SMALL_SLOTS)}
  JOIN g_ncpc nc ON nc.slot = ${h(7, SMALL_SLOTS)}
  JOIN g_ninv ni ON ni.slot = ${h(8, SMALL_SLOTS)}
  ORDER BY a.i`;
}

function patentsSql(seed: number): string {
  const h = (salt: number, mod: number) => `(hash(b.i, ${seed}, ${salt}) % ${mod})::INTEGER`;
  return `SELECT b.publication_number, b.patent_id, b.country, b.kind, trim(th.v || ' ' || tt.v) AS title,
      CASE WHEN b.has_abstract THEN concat_ws(' ', se.v, nullif(ar.v, '')) END AS abstract,
      b.assignee, b.filing_date, b.grant_date, b.publication_date, b.cpc, b.num_claims::INTEGER AS num_claims
    FROM base b
    JOIN g_thead th ON th.slot = ${h(10, TEXT_SLOTS)}
    JOIN g_ttail tt ON tt.slot = ${h(11, TEXT_SLOTS)}
    JOIN g_sent se ON se.slot = ${h(12, TEXT_SLOTS)}
    JOIN g_arest ar ON ar.slot = ${h(13, ABSTRACT_REST_SLOTS)}
    ORDER BY b.i`;
}

function cpcSql(seed: number, inventionalShare: number): string {
  // entry 0 is the first inventional group (patents.cpc); later entries come from the same assignee's codes
  return `SELECT publication_number, sequence, c AS cpc, left(c, 1) AS section, left(c, 3) AS class, left(c, 4) AS subclass, type FROM (
    SELECT x.i, x.publication_number, x.j::INTEGER AS sequence,
      CASE WHEN x.j = 0 THEN x.first_cpc ELSE coalesce(gc.cpc, x.first_cpc) END AS c,
      CASE WHEN x.j = 0 OR (hash(x.i, ${seed}, 200 + x.j) % 10000) < ${Math.round(inventionalShare * 10000)} THEN 'inventional' ELSE 'additional' END AS type
    FROM (SELECT i, publication_number, profile, cpc AS first_cpc, unnest(range(n_cpc)) AS j FROM base WHERE n_cpc > 0) x
    LEFT JOIN g_cpc gc ON gc.profile = x.profile AND gc.slot = (hash(x.i, ${seed}, 100 + x.j) % ${CPC_SLOTS})::INTEGER
    ) ORDER BY i, sequence`;
}

function inventorsSql(seed: number): string {
  return `SELECT x.publication_number, x.j::INTEGER AS sequence, f.v || ' ' || l.v AS name
    FROM (SELECT i, publication_number, unnest(range(n_inv)) AS j FROM base WHERE n_inv > 0) x
    JOIN g_first f ON f.slot = (hash(x.i, ${seed}, 300 + x.j) % ${NAME_SLOTS})::INTEGER
    JOIN g_last l ON l.slot = (hash(x.i, ${seed}, 400 + x.j) % ${NAME_SLOTS})::INTEGER
    ORDER BY x.i, x.j`;
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
      let T0 = performance.now(); await bench.run(baseSql(lo, hi, rows, seed, realAssignees, novelAssignees));
      const name = `part-${String(part).padStart(5, "0")}.parquet`;
      const rowGroupSize = options.rowGroupSize ?? 122_880;
      counts["patents"] = (counts["patents"] ?? 0) + (await bench.copyToParquet(patentsSql(seed), join(out, "patents", name), { rowGroupSize }));
      counts["patent_cpc"] = (counts["patent_cpc"] ?? 0) + (await bench.copyToParquet(cpcSql(seed, profile.inventionalShareAfterFirst), join(out, "patent_cpc", name), { rowGroupSize }));
      counts["patent_inventors"] = (counts["patent_inventors"] ?? 0) + (await bench.copyToParquet(inventorsSql(seed), join(out, "patent_inventors", name), { rowGroupSize }));
      files += 3; console.error('chunk', ((performance.now()-T0)/1000).toFixed(2));
      options.onProgress?.(hi, rows);
    }
    await bench.run("DROP TABLE base");
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
