import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyResultNote, type RowProbe } from "../../explain/index.js";
import { createSession } from "../../kernel/compose.js";
import type { Session } from "../../session/session.js";
import { REPO } from "../support/paths.js";

/** Why an answer is empty, probed on the real patents sample through the checked session. */
describe("emptyResultNote on the patents sample", () => {
  let session: Session;
  const probed: string[] = [];
  const probe: RowProbe = async (sql) => {
    probed.push(sql);
    return (await session.run(sql, { maxRows: 1 })).result.table.numRows > 0;
  };

  beforeAll(async () => {
    session = createSession();
    await session.connect({ kind: "duckdb", target: path.join(REPO, "notebooks", "data", "patents"), name: "duckdb" });
  });
  afterAll(() => session.close());

  /** Each query here returns no rows on the sample; the test checks that first, so a note is never tested on rows. */
  async function noteFor(sql: string, signal?: AbortSignal): Promise<readonly string[]> {
    expect((await session.run(sql)).result.table.numRows).toBe(0);
    probed.length = 0;
    return (await emptyResultNote(sql, "duckdb", probe, signal)).reasons;
  }

  it("names a filter value no row has", async () => {
    expect(await noteFor("SELECT country, count(*) FROM patents WHERE assignee = 'Intel' GROUP BY country")).toEqual([
      "No row of patents matches “assignee is 'Intel'”: the data may spell the value differently, or not have it.",
    ]);
  });

  it("names a date column that is nearly empty for the rows the other filters keep (the model's answer to the paper's question)", async () => {
    const sql =
      "SELECT cpc FROM patent_cpc WHERE publication_number IN (SELECT publication_number FROM patents WHERE assignee ILIKE '%nvidia%' AND filing_date >= DATE '2009-01-01' GROUP BY publication_number ORDER BY count(*) DESC LIMIT 10) GROUP BY cpc ORDER BY count(*) DESC LIMIT 10";
    expect(await noteFor(sql)).toEqual([
      "filing_date is empty for most of the rows of patents where assignee contains 'nvidia' (any case) (it has a value in fewer than 1 in 10).",
    ]);
  });

  it("says the outer table lacks what the inner query finds (the model's answer to the paper's Intel question)", async () => {
    const sql =
      "SELECT cpc FROM patent_cpc WHERE publication_number IN (SELECT publication_number FROM patents WHERE assignee ILIKE '%intel%' AND filing_date >= DATE '2010-01-01' GROUP BY publication_number ORDER BY count(*) DESC LIMIT 10) GROUP BY cpc ORDER BY count(*) DESC LIMIT 10";
    expect(await noteFor(sql)).toEqual([
      "The inner query finds rows (where assignee contains 'intel' (any case) and filing_date is on or after 2010-01-01), but patent_cpc has no row whose publication_number is among them: the data of one table may not cover the other's.",
    ]);
  });

  it("names two joined tables that share no rows under the filters", async () => {
    const sql = "SELECT c.cpc, count(*) AS n FROM patents p JOIN patent_cpc c ON c.publication_number = p.publication_number WHERE p.assignee ILIKE '%intel%' GROUP BY c.cpc";
    expect(await noteFor(sql)).toEqual([
      "patent_cpc and patents have no rows in common on publication_number where assignee contains 'intel' (any case): the data of one table may not cover the other's.",
    ]);
  });

  it("says filters only fail together when each matches on its own", async () => {
    expect(await noteFor("SELECT title FROM patents WHERE kind = 'S' AND country = 'CN'")).toEqual([
      "Each filter matches rows on its own, but no row meets all of them together.",
    ]);
  });

  it("runs no probe once the caller's time budget is spent, and gives the general reason", async () => {
    const spent = AbortSignal.abort();
    expect(await noteFor("SELECT title FROM patents WHERE assignee = 'Intel'", spent)).toEqual([
      "No row met every condition of the query; the answer may still be right (nothing matches), or the question was read differently than meant.",
    ]);
    expect(probed).toEqual([]);
  });
});
