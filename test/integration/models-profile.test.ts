import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANONICAL, SHARED_DATA } from "../support/paths.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import type { Engine } from "../../core/engine.js";
import { tableRows } from "../../evals/compare.js";
import { openSpiderSource } from "../../evals/spider/source.js";
import type { EvalSource } from "../../evals/harness.js";
import { linkValues, renderLinks } from "../../models/linking.js";
import { profileCatalog, renderSchema, type SchemaProfile } from "../../models/profile.js";

const profileOf = async (engine: Engine): Promise<SchemaProfile> =>
  profileCatalog(await engine.catalog(), engine.dialect, async (sql) => tableRows((await engine.execute(sql, { maxRows: 100_000 })).table).rows);

// What the model reads about real data: Spider databases converted from SQLite (no foreign keys survive in
// Parquet) and the canonical patents sample.
describe("schema profile on real data", () => {
  let cache: string;
  const sources = new Map<string, EvalSource>();
  const spider = async (db: string) => {
    let source = sources.get(db);
    if (!source) {
      source = await openSpiderSource(path.join(SHARED_DATA, "spider"), cache, db);
      sources.set(db, source);
    }
    return profileOf(source.engine);
  };

  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), "profile-cache-"));
  });
  afterAll(async () => {
    for (const source of sources.values()) await source.close();
    await rm(cache, { recursive: true, force: true });
  });

  it("shows the joins a foreign key would declare: by a shared key name, and by a column named after a table", async () => {
    const pets = renderSchema(await spider("pets_1"));
    expect(pets).toMatch(/^ {2}StuID \w+ REFERENCES Student\(StuID\),/m);
    expect(pets).toMatch(/^ {2}PetID \w+ REFERENCES Pets\(PetID\)/m);
    // Student.Age and Pets.pet_age are not keys, whatever their values
    expect(pets).not.toMatch(/[Aa]ge \w+ REFERENCES/);
    const tv = renderSchema(await spider("tvshow"));
    expect(tv).toMatch(/^ {2}Channel \w+ REFERENCES TV_Channel\(id\)/m);
    // TV_Channel.id is the key the others refer to, not a reference itself
    expect(tv).not.toMatch(/^ {2}id \w+ REFERENCES/m);
  });

  it("links a whole value of the question as an equality", async () => {
    const world = await spider("world_1");
    const hints = renderLinks(linkValues("What is the average life expectancy in Central Africa?", world), "duckdb");
    expect(hints).toContain("-> Region = 'Central Africa'");
    expect(hints).not.toContain("ILIKE '%central%'");
  });

  it("on the patents sample: the child tables refer to patents, and a company stays a pattern", async () => {
    const engine = await duckdbConnector.connect({ kind: "duckdb", target: CANONICAL, name: "patents" });
    try {
      const profile = await profileOf(engine);
      const schema = renderSchema(profile);
      expect(schema.match(/publication_number VARCHAR REFERENCES patents\(publication_number\)/g)).toHaveLength(2);
      const hints = renderLinks(linkValues("How many patents does NVIDIA hold in CN?", profile), "duckdb");
      expect(hints).toContain("assignee ILIKE '%nvidia%'");
      expect(hints).toContain("country = 'CN'");
    } finally {
      await engine.close();
    }
  });
});
