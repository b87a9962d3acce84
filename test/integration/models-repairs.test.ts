import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { EditableQuery } from "../../checks/sql-edit.js";
import type { Catalog } from "../../core/catalog.js";
import { asError } from "../../core/errors.js";
import type { Problem } from "../../core/problem.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { LocalSqlGenerator } from "../../models/generator.js";
import { renderProblems } from "../../models/problem-text.js";
import type { SchemaProfile } from "../../models/profile.js";
import { loadPrompts } from "../../models/prompts.js";
import { mechanicalRepair, selfJoinProblem, whereColumnsAre } from "../../models/repairs.js";
import { askQuestion } from "../../session/ask.js";
import { errorProblem, verdictProblems } from "../../session/problems.js";
import { Session } from "../../session/session.js";
import { ScriptedModel } from "../support/scripted-model.js";
import { answered } from "../support/answered.js";

/**
 * The repairs that need no model, fed the problems the real checker and the real DuckDB report for each query (no
 * hand-written messages), on a small folder of CSV tables shaped like the patents data and Spider's pets and world.
 */
const TABLES: Record<string, string> = {
  patents: "publication_number,title,assignee,kind,country,cpc,code,grant_date,filing_date,num_claims\n" +
    "US-1-B2,speech coder,NVIDIA CORPORATION,B2,US,G06T,A1,2010-05-04,2008-01-02,12\n" +
    "US-2-B2,speech engine,Sony Group,B2,JP,G10L,B1,2012-07-01,2009-03-04,20\n" +
    "US-3-B1,ray tracing,NVIDIA CORPORATION,B1,US,G06T,A2,2015-01-06,2011-09-09,7\n",
  patent_cpc: "publication_number,cpc\nUS-1-B2,G06T\nUS-2-B2,G10L\nUS-3-B1,G06T\n",
  Student: "StuID,Fname\n1001,Linda\n1002,Tracy\n",
  Has_Pet: "StuID,PetID\n1001,2001\n1002,2002\n",
  Pets: "PetID,PetType,weight\n2001,cat,12.0\n2002,dog,13.4\n",
  Documents: "Document_ID,x\n1,a\n2,b\n",
  Paragraphs: "Paragraph_ID,Document_ID\n10,1\n11,1\n12,2\n",
  countrylanguage: "CountryCode,Language\nABW,Dutch\nAFG,Pashto\n",
  country: "Code,Name\nABW,Aruba\nAFG,Afghanistan\n",
};

/** The references the profile infers for the pets tables (which profiling would find from the shared key names). */
const profiled = (name: string, references?: { table: string; column: string }) => ({ name, type: "BIGINT", kind: "number" as const, samples: [], ...(references ? { references } : {}) });
const pets: SchemaProfile = { dialect: "duckdb", tables: [
  { name: "Student", columns: [profiled("StuID"), profiled("Fname")] },
  { name: "Has_Pet", columns: [profiled("StuID", { table: "Student", column: "StuID" }), profiled("PetID", { table: "Pets", column: "PetID" })] },
  { name: "Pets", columns: [profiled("PetID"), profiled("PetType"), profiled("weight")] },
] };

let folder: string;
let session: Session;
let catalog: Catalog;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "repairs-"));
  for (const [name, csv] of Object.entries(TABLES)) await writeFile(path.join(folder, `${name}.csv`), csv);
  session = new Session({ checker: createChecker(), connectors: [duckdbConnector] });
  const engine = await session.connect({ kind: "duckdb", target: folder, name: "fixture" });
  catalog = await session.catalog(engine);
});
afterAll(async () => {
  await session.close();
  await rm(folder, { recursive: true, force: true });
});

/** What the pipeline learns from trying `sql`: the checker's problems, else the engine's, else none. */
async function problemsOf(sql: string): Promise<Problem[]> {
  const engine = await session.engine();
  const verdict = await session.check(sql, engine);
  if (verdict.verdict === "block") return verdictProblems(verdict);
  try {
    await session.run(sql);
    return [];
  } catch (error) {
    return [errorProblem(asError(error), engine.dialect, undefined)];
  }
}

/** `sql` as the tree edits print it (node-sql-parser's formatting), to compare queries and not their spacing. */
async function printed(sql: string): Promise<string> {
  return (await EditableQuery.of(sql, "duckdb"))?.print() ?? `unreadable: ${sql}`;
}

/** The repair of `sql` from its real problems; the repaired query must then pass and run. */
async function repaired(sql: string, profile?: SchemaProfile): Promise<string | undefined> {
  const problems = await problemsOf(sql);
  expect(problems.length, `no problem found for ${sql}`).toBeGreaterThan(0);
  const fixed = await mechanicalRepair(sql, problems, catalog, "duckdb", profile);
  if (fixed !== undefined) expect(await problemsOf(fixed), fixed).toEqual([]);
  return fixed;
}

describe("mechanicalRepair on the problems the checker and DuckDB report", () => {
  it("drops an ORDER BY from an ungrouped single-number query the engine rejected", async () => {
    expect(await repaired("SELECT count(*) AS n FROM patents WHERE title ILIKE '%x%' ORDER BY publication_number")).toBe(await printed("SELECT count(*) AS n FROM patents WHERE title ILIKE '%x%'"));
    expect(await repaired("SELECT count(*) FROM patents ORDER BY publication_number LIMIT 5")).toBe(await printed("SELECT count(*) FROM patents LIMIT 5"));
    expect(await repaired("SELECT count(*) FROM patents WHERE grant_date > 'soon'")).toBeUndefined();
  });

  it("compares a date's year where the model compared the date with a year", async () => {
    expect(await repaired("SELECT count(*) FROM patents p WHERE (p.grant_date > '2009' AND filing_date BETWEEN '2001' AND '2005') OR code = '2009'"))
      .toBe(await printed("SELECT count(*) FROM patents p WHERE (year(p.grant_date) > 2009 AND year(filing_date) BETWEEN 2001 AND 2005) OR code = '2009'"));
  });

  it("respells a column as the checker suggests, outside string literals", async () => {
    expect(await repaired("SELECT T.pet_type, avg(weight) FROM Pets AS T WHERE pet_type <> 'pet_type' GROUP BY pet_type"))
      .toBe(await printed("SELECT T.PetType, avg(weight) FROM Pets AS T WHERE PetType <> 'pet_type' GROUP BY PetType"));
  });

  it("gives the alias a query uses but never defined to the one table that has its columns", async () => {
    expect(await repaired("SELECT count(*) FROM patents WHERE EXISTS (SELECT 1 FROM patent_cpc pc WHERE pc.publication_number = p.publication_number)"))
      .toBe(await printed("SELECT count(*) FROM patents AS p WHERE EXISTS (SELECT 1 FROM patent_cpc pc WHERE pc.publication_number = p.publication_number)"));
    // both tables lack an alias and have the column: left to the model
    expect(await repaired("SELECT p.publication_number FROM patents JOIN patent_cpc USING (publication_number)")).toBeUndefined();
  });

  it("qualifies a column the engine calls ambiguous with the first table it offers", async () => {
    expect(await repaired("SELECT Document_ID, count(*) FROM Documents AS T1 JOIN Paragraphs AS T2 ON T1.Document_ID = T2.Document_ID WHERE T1.x <> 'Document_ID' GROUP BY Document_ID"))
      .toBe(await printed("SELECT T1.Document_ID, count(*) FROM Documents AS T1 JOIN Paragraphs AS T2 ON T1.Document_ID = T2.Document_ID WHERE T1.x <> 'Document_ID' GROUP BY T1.Document_ID"));
  });

  it("respells a shortened name as the one column of the query's tables that has it as a word", async () => {
    expect(await repaired("SELECT code FROM countrylanguage WHERE Language <> 'English' GROUP BY code"))
      .toBe(await printed("SELECT CountryCode FROM countrylanguage WHERE Language <> 'English' GROUP BY CountryCode"));
    // "name" is a word of no column of countrylanguage: not this repair's
    expect(await repaired("SELECT name FROM countrylanguage")).toBeUndefined();
  });

  it("selects the year a query grouped by without defining it", async () => {
    expect(await repaired("SELECT avg(num_claims) AS c FROM patents GROUP BY grant_year ORDER BY grant_year"))
      .toBe(await printed("SELECT year(grant_date) AS grant_year, avg(num_claims) AS c FROM patents GROUP BY grant_year ORDER BY grant_year"));
    // a year the select list names bare is defined there, not added beside it
    expect(await repaired("SELECT grant_year, round(avg(num_claims), 1) AS avg_claims FROM patents WHERE assignee ILIKE '%nvidia%' GROUP BY grant_year ORDER BY grant_year"))
      .toBe(await printed("SELECT year(grant_date) AS grant_year, round(avg(num_claims), 1) AS avg_claims FROM patents WHERE assignee ILIKE '%nvidia%' GROUP BY grant_year ORDER BY grant_year"));
    // no publish_date to take a year from; a subquery could be the place it was meant for
    expect(await repaired("SELECT count(*) FROM patents GROUP BY publish_year")).toBeUndefined();
    expect(await repaired("SELECT avg(n) FROM (SELECT num_claims AS n FROM patents) GROUP BY grant_year")).toBeUndefined();
  });

  it("moves a column to the one alias of the query whose table has it", async () => {
    expect(await repaired("SELECT T2.Fname FROM Student AS T1 JOIN Has_Pet AS T2 ON T1.StuID = T2.StuID JOIN Pets T3 ON T2.PetID = T3.PetID WHERE T2.PetType = 'cat'"))
      .toBe(await printed("SELECT T1.Fname FROM Student AS T1 JOIN Has_Pet AS T2 ON T1.StuID = T2.StuID JOIN Pets T3 ON T2.PetID = T3.PetID WHERE T3.PetType = 'cat'"));
    // no table of the query has it, or an alias names two tables (two scopes): left to the model
    expect(await repaired("SELECT T1.Age FROM Student AS T1")).toBeUndefined();
    expect(await repaired("SELECT T1.PetType FROM Student AS T1 INTERSECT SELECT T1.Fname FROM Pets AS T1")).toBeUndefined();
  });

  it("groups by the listed column an aggregate query forgot to group by, before its ORDER BY or LIMIT", async () => {
    expect(await repaired("SELECT assignee, count(*) AS patents FROM patents WHERE title ILIKE '%speech%' LIMIT 5"))
      .toBe(await printed("SELECT assignee, count(*) AS patents FROM patents WHERE title ILIKE '%speech%' GROUP BY assignee LIMIT 5"));
    expect(await repaired("SELECT p.assignee, count(*) FROM patents p WHERE p.cpc IN (SELECT cpc FROM patent_cpc) ORDER BY 2 DESC"))
      .toBe(await printed("SELECT p.assignee, count(*) FROM patents p WHERE p.cpc IN (SELECT cpc FROM patent_cpc) GROUP BY p.assignee ORDER BY 2 DESC"));
    expect(await repaired("SELECT assignee, count(*) FROM patents")).toBe(await printed("SELECT assignee, count(*) FROM patents GROUP BY assignee"));
  });

  it("joins the table that has the missing column through a reference, in each SELECT of a set operation", async () => {
    const one = (type: string) => `SELECT T1.Fname FROM Student AS T1 INNER JOIN Has_Pet AS T2 ON T1.StuID = T2.StuID WHERE T2.PetType = '${type}'`;
    const fixed = (type: string) => `SELECT T1.Fname FROM Student AS T1 INNER JOIN Has_Pet AS T2 ON T1.StuID = T2.StuID JOIN Pets AS T3 ON T3.PetID = T2.PetID WHERE T3.PetType = '${type}'`;
    expect(await repaired(`${one("cat")} INTERSECT ${one("dog")}`, pets)).toBe(await printed(`${fixed("cat")} INTERSECT ${fixed("dog")}`));
    // a bare column: the table is joined and the name qualified
    expect(await repaired("SELECT DISTINCT Fname FROM Has_Pet WHERE PetID = 2001", pets))
      .toBe(await printed("SELECT DISTINCT s1.Fname FROM Has_Pet JOIN Student AS s1 ON s1.StuID = Has_Pet.StuID WHERE PetID = 2001"));
    // without the profile's references there is nothing to join on
    expect(await repaired(one("cat"))).toBeUndefined();
  });
});

describe("what the model reads about a problem", () => {
  const prompts = loadPrompts();

  it("names where a missing column is and how its table joins the query", async () => {
    const sql = "SELECT T1.Fname FROM Has_Pet AS T1 WHERE T1.PetID = 2001";
    const problems = await problemsOf(sql);
    expect(renderProblems(prompts, problems, await whereColumnsAre(problems, sql, "duckdb", pets, catalog)))
      .toBe('the checker blocked it: Column "fname" does not exist in "t1". Where the columns are: "fname" is Student.Fname (join Student ON Student.StuID = Has_Pet.StuID)');
    const other = await problemsOf("SELECT count(*) FROM Has_Pet WHERE pettype = 'cat'");
    expect(await whereColumnsAre(other, "SELECT count(*) FROM Has_Pet", "duckdb", pets, catalog)).toEqual([{ column: "pettype", places: [{ table: "Pets", column: "PetType", join: "Pets.PetID = Has_Pet.PetID" }] }]);
  });

  it("renders the engine's problems from their data, and caps them", async () => {
    const problems = await problemsOf("SELECT count(*) FROM patents WHERE grant_date > 'soon'");
    expect(problems).toMatchObject([{ kind: "date-format", origin: "engine", dialect: "duckdb", value: "soon", position: { line: 1 } }]);
    expect(renderProblems(prompts, problems)).toBe('the database said: invalid date field format: "soon", expected format is (YYYY-MM-DD)');
    const long = renderProblems(prompts, [{ kind: "engine", origin: "engine", dialect: "duckdb", message: "x".repeat(2000) }]);
    expect(long.length).toBeLessThanOrEqual(400);
  });

  it("tells the model a join compares a column with itself, and which tables join the two", async () => {
    const kennels: SchemaProfile = { dialect: "duckdb", tables: [
      { name: "Owners", columns: [profiled("owner_id"), profiled("last_name")] },
      { name: "Dogs", columns: [profiled("dog_id"), profiled("owner_id", { table: "Owners", column: "owner_id" })] },
      { name: "Treatments", columns: [profiled("treatment_id"), profiled("dog_id", { table: "Dogs", column: "dog_id" }), profiled("cost")] },
      { name: "Breeds", columns: [profiled("breed_code")] },
    ] };
    const text = async (sql: string) => {
      const problem = await selfJoinProblem(sql, "duckdb", kennels);
      return problem && renderProblems(prompts, [problem]);
    };
    expect(await text("SELECT T1.last_name FROM Owners AS T1 INNER JOIN Treatments AS T2 ON T1.owner_id = T1.owner_id ORDER BY T2.cost"))
      .toBe('the join "ON T1.owner_id = T1.owner_id" compares a column with itself, which pairs every row of Owners with every row of Treatments. ' +
        "Join them through Dogs: Dogs.owner_id = Owners.owner_id AND Treatments.dog_id = Dogs.dog_id.");
    expect(await text("SELECT * FROM Owners o JOIN Dogs d ON d.owner_id = d.owner_id")).toContain("Join them on Dogs.owner_id = Owners.owner_id.");
    expect(await text("SELECT * FROM Owners o JOIN Breeds b ON b.breed_code = b.breed_code")).toContain("Join them on a column of one that holds the values");
    expect(await text("SELECT * FROM Owners o JOIN Dogs d ON d.owner_id = o.owner_id")).toBeUndefined();
  });
});

describe("the repair loop on real engine errors", () => {
  it("feeds the engine's error back and stops at the first query that runs", async () => {
    const model = new ScriptedModel(["SELECT count(*) FROM patents WHERE grant_date > 'last year';", "SELECT count(*) FROM patents WHERE grant_date > DATE '2012-01-01';"]);
    const answer = answered(await askQuestion(session, new LocalSqlGenerator({ load: async () => model, constrained: false }), { question: "How many patents were granted since 2012?" }));
    expect(answer.tries).toBe(2);
    expect(answer.sql).toContain("DATE '2012-01-01'");
    const second = model.requests[1]?.messages ?? [];
    expect(second.at(-2)).toEqual({ role: "assistant", text: "SELECT count(*) FROM patents WHERE grant_date > 'last year';" });
    expect(second.at(-1)?.text).toContain('invalid date field format: "last year"');
  });

  it("samples a different repair when the model repeats an answer that already failed", async () => {
    const bad = "SELECT count(*) FROM patents WHERE assignee = 'x' GROUP BY assignee ORDER BY publication_number;";
    const model = new ScriptedModel([bad, bad, "SELECT count(*) FROM patents;"]);
    const answer = answered(await askQuestion(session, new LocalSqlGenerator({ load: async () => model, constrained: false }), { question: "How many patents?" }));
    expect(answer.sql).toBe("SELECT count(*) FROM patents");
    expect(answer.tries).toBe(2);
    expect(model.requests.map((r) => r.temperature ?? 0)).toEqual([0, 0, 0.7]);
    expect(answer.provenance.attempts?.map((a) => a.problem === undefined)).toEqual([false, true]);
  });
});
