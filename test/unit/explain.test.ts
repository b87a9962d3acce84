import { describe, expect, it } from "vitest";
import { explainSql, NOT_DESCRIBED } from "../../explain/index.js";

/**
 * "What this query does" for queries of many shapes: gold SQL of the patents dev questions
 * (../shared/data/patents/questions-dev.jsonl) and of Spider dev (../shared/data/spider/dev_gold.sql, line
 * numbers given), plus shapes neither has (windows, CTEs, UNION ALL, outer joins, FROM subqueries, OFFSET).
 * Each sentence was read against its SQL; a part the explainer does not know must say so, not guess.
 */
interface Case {
  readonly from: string;
  readonly dialect: "duckdb" | "spark";
  readonly sql: string;
  readonly sentence: string;
}

const CASES: readonly Case[] = [
  {
    from: "patents dev-001",
    dialect: "duckdb",
    sql: "SELECT count(*) AS granted_patents\nFROM patents\nWHERE assignee ILIKE '%nvidia%' AND grant_date IS NOT NULL",
    sentence: "Counts rows from patents, where assignee contains 'nvidia' (any case) and grant_date is not empty.",
  },
  {
    from: "patents dev-002",
    dialect: "duckdb",
    sql: "SELECT pc.cpc, count(*) AS occurrences\nFROM patent_cpc pc\nJOIN patents p ON p.publication_number = pc.publication_number\nWHERE p.assignee ILIKE '%nvidia%' AND p.grant_date >= DATE '2010-01-01'\nGROUP BY pc.cpc\nORDER BY occurrences DESC, pc.cpc\nLIMIT 10",
    sentence: "Counts rows per cpc from patent_cpc joined with patents on the same publication_number, where assignee contains 'nvidia' (any case) and grant_date is on or after 2010-01-01; sorted by the number of rows (highest first), then by cpc, keeping the first 10 rows.",
  },
  {
    from: "patents dev-004",
    dialect: "duckdb",
    sql: "SELECT year(grant_date) AS grant_year, count(*) AS patents\nFROM patents\nWHERE assignee ILIKE '%sony%' AND grant_date IS NOT NULL\nGROUP BY grant_year\nORDER BY grant_year",
    sentence: "Counts rows per grant_year (the year of grant_date) from patents, where assignee contains 'sony' (any case) and grant_date is not empty; sorted by grant_year.",
  },
  {
    from: "patents dev-005",
    dialect: "duckdb",
    sql: "SELECT i.name, count(*) AS patents\nFROM patent_inventors i\nJOIN patents p ON p.publication_number = i.publication_number\nWHERE p.assignee ILIKE '%nvidia%' AND p.grant_date IS NOT NULL\nGROUP BY i.name\nORDER BY patents DESC, i.name\nLIMIT 5",
    sentence: "Counts rows per name from patent_inventors joined with patents on the same publication_number, where assignee contains 'nvidia' (any case) and grant_date is not empty; sorted by the number of rows (highest first), then by name, keeping the first 5 rows.",
  },
  {
    from: "patents dev-006",
    dialect: "duckdb",
    sql: "SELECT assignee, count(*) AS records\nFROM patents\nWHERE assignee IS NOT NULL\nGROUP BY assignee\nHAVING count(*) > 50\nORDER BY records DESC, assignee",
    sentence: "Counts rows per assignee from patents, where assignee is not empty, keeping only groups where the number of rows is greater than 50; sorted by the number of rows (highest first), then by assignee.",
  },
  {
    from: "patents dev-007",
    dialect: "duckdb",
    sql: "SELECT count(*) AS above_average\nFROM patents\nWHERE assignee ILIKE '%nvidia%'\n  AND year(grant_date) = 2020\n  AND num_claims > (SELECT avg(num_claims) FROM patents\n                    WHERE assignee ILIKE '%nvidia%' AND year(grant_date) = 2020)",
    sentence: "Counts rows from patents, where assignee contains 'nvidia' (any case) and the year of grant_date is 2020 and num_claims is greater than the value that [finds the average of num_claims over rows from patents, where assignee contains 'nvidia' (any case) and the year of grant_date is 2020].",
  },
  {
    from: "patents dev-008",
    dialect: "duckdb",
    sql: "SELECT publication_number, title, grant_date\nFROM patents\nWHERE grant_date = (SELECT max(grant_date) FROM patents)\nORDER BY publication_number",
    sentence: "Lists publication_number, title and grant_date from patents, where grant_date is the value that [finds the largest grant_date over rows from patents]; sorted by publication_number.",
  },
  {
    from: "patents dev-010",
    dialect: "duckdb",
    sql: "SELECT round(100.0 * count(grant_date) / count(*), 1) AS pct_granted\nFROM patents\nWHERE assignee ILIKE '%international business mach%'\n   OR assignee ILIKE 'internatl business mach%'\n   OR assignee ILIKE '%ibm%'",
    sentence: "Finds 100.0 * the number of rows with a grant_date / the number of rows, rounded to 1 decimal over rows from patents, where (assignee contains 'international business mach' (any case), assignee starts with 'internatl business mach' (any case) or assignee contains 'ibm' (any case)).",
  },
  {
    from: "patents dev-015",
    dialect: "duckdb",
    sql: "SELECT count(DISTINCT pc.subclass) AS subclasses\nFROM patent_cpc pc\nJOIN patents p ON p.publication_number = pc.publication_number\nWHERE p.assignee ILIKE '%nvidia%'",
    sentence: "Counts distinct subclass from patent_cpc joined with patents on the same publication_number, where assignee contains 'nvidia' (any case).",
  },
  {
    from: "patents dev-016",
    dialect: "duckdb",
    sql: "SELECT i.name, count(DISTINCT i.publication_number) AS patents\nFROM patent_inventors i\nWHERE i.publication_number IN (SELECT publication_number FROM patent_cpc WHERE subclass = 'G06N')\nGROUP BY i.name\nORDER BY patents DESC, i.name\nLIMIT 10",
    sentence: "Counts distinct publication_number per name from patent_inventors, where publication_number is among the values that [lists publication_number from patent_cpc, where subclass is 'G06N']; sorted by the number of distinct publication_number (highest first), then by name, keeping the first 10 rows.",
  },
  {
    from: "patents dev-018",
    dialect: "duckdb",
    sql: "SELECT round(100.0 * count(*) FILTER (WHERE country <> 'US') / count(*), 2) AS pct_non_us\nFROM patents",
    sentence: "Finds 100.0 * the number of rows for which country is not 'US' / the number of rows, rounded to 2 decimals over rows from patents.",
  },
  {
    from: "patents dev-019",
    dialect: "duckdb",
    sql: "SELECT round(avg(grant_date - filing_date), 1) AS avg_days\nFROM patents\nWHERE (assignee ILIKE '%international business mach%'\n       OR assignee ILIKE 'internatl business mach%'\n       OR assignee ILIKE '%ibm%')\n  AND filing_date IS NOT NULL AND grant_date IS NOT NULL",
    sentence: "Finds the average of grant_date - filing_date, rounded to 1 decimal over rows from patents, where (assignee contains 'international business mach' (any case), assignee starts with 'internatl business mach' (any case) or assignee contains 'ibm' (any case)) and filing_date is not empty and grant_date is not empty.",
  },
  {
    from: "patents dev-021",
    dialect: "duckdb",
    sql: "SELECT publication_number, title, assignee\nFROM patents\nWHERE country = 'US' AND kind = 'B1' AND year(grant_date) = 2005\nORDER BY publication_number\nLIMIT 10",
    sentence: "Lists publication_number, title and assignee from patents, where country is 'US' and kind is 'B1' and the year of grant_date is 2005; sorted by publication_number, keeping the first 10 rows.",
  },
  {
    from: "patents dev-023",
    dialect: "duckdb",
    sql: "SELECT pc.section, count(*) AS assignments,\n       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct\nFROM patent_cpc pc\nJOIN patents p ON p.publication_number = pc.publication_number\nWHERE p.assignee ILIKE '%nvidia%'\nGROUP BY pc.section\nORDER BY assignments DESC, pc.section",
    sentence: "Shows the number of rows and 100.0 * the number of rows / the total of the number of rows across all groups, rounded to 2 decimals per section, over rows from patent_cpc joined with patents on the same publication_number, where assignee contains 'nvidia' (any case); sorted by the number of rows (highest first), then by section.",
  },
  {
    from: "patents dev-026",
    dialect: "duckdb",
    sql: "SELECT count(*) AS no_assignee\nFROM patents\nWHERE assignee IS NULL",
    sentence: "Counts rows from patents, where assignee is empty.",
  },
  {
    from: "patents dev-028",
    dialect: "duckdb",
    sql: "SELECT count(*) AS patents\nFROM patents\nWHERE assignee ILIKE '%thinking machines%' AND grant_date < DATE '1995-01-01'",
    sentence: "Counts rows from patents, where assignee contains 'thinking machines' (any case) and grant_date is before 1995-01-01.",
  },
  {
    from: "patents dev-031",
    dialect: "duckdb",
    sql: "SELECT i.publication_number, p.title, count(*) AS inventors\nFROM patent_inventors i\nJOIN patents p ON p.publication_number = i.publication_number\nGROUP BY i.publication_number, p.title\nHAVING count(*) > 10\nORDER BY inventors DESC, i.publication_number",
    sentence: "Counts rows per patent_inventors.publication_number and title from patent_inventors joined with patents on the same publication_number, keeping only groups where the number of rows is greater than 10; sorted by the number of rows (highest first), then by patent_inventors.publication_number.",
  },
  {
    from: "patents dev-032",
    dialect: "duckdb",
    sql: "SELECT round(100.0 * count(*) FILTER (WHERE EXISTS (\n           SELECT 1 FROM patent_cpc pc\n           WHERE pc.publication_number = p.publication_number AND pc.subclass = 'G06N'))\n       / count(*), 2) AS pct_g06n\nFROM patents p\nWHERE p.assignee ILIKE '%nvidia%' AND p.grant_date >= DATE '2020-01-01'",
    sentence: "Finds 100.0 * the number of rows for which there is a row in patent_cpc where patent_cpc.publication_number is patents.publication_number and patent_cpc.subclass is 'G06N' / the number of rows, rounded to 2 decimals over rows from patents, where assignee contains 'nvidia' (any case) and grant_date is on or after 2020-01-01.",
  },
  {
    from: "patents dev-033",
    dialect: "duckdb",
    sql: "SELECT CASE WHEN assignee ILIKE '%canon%' THEN 'Canon'\n            WHEN assignee ILIKE '%sony%' THEN 'Sony'\n            ELSE 'Hitachi' END AS company,\n       count(*) AS patents\nFROM patents\nWHERE (assignee ILIKE '%canon%' OR assignee ILIKE '%sony%' OR assignee ILIKE '%hitachi%')\n  AND grant_date BETWEEN DATE '1990-01-01' AND DATE '1999-12-31'\nGROUP BY company\nORDER BY patents DESC, company",
    sentence: "Counts rows per company (this part is not described) from patents, where (assignee contains 'canon' (any case), assignee contains 'sony' (any case) or assignee contains 'hitachi' (any case)) and grant_date is between 1990-01-01 and 1999-12-31; sorted by the number of rows (highest first), then by company.",
  },
  {
    from: "patents dev-035",
    dialect: "duckdb",
    sql: "SELECT year(grant_date) AS grant_year, count(*) AS patents\nFROM patents\nWHERE assignee ILIKE '%nvidia%' AND grant_date IS NOT NULL\nGROUP BY grant_year\nORDER BY patents DESC, grant_year\nLIMIT 1",
    sentence: "Counts rows per grant_year (the year of grant_date) from patents, where assignee contains 'nvidia' (any case) and grant_date is not empty; sorted by the number of rows (highest first), then by grant_year, keeping the first row.",
  },
  {
    from: "patents dev-039",
    dialect: "duckdb",
    sql: "SELECT count(*) AS patents\nFROM patents p\nWHERE p.assignee ILIKE '%nvidia%' AND year(p.grant_date) = 2023\n  AND p.publication_number IN (SELECT publication_number FROM patent_cpc WHERE subclass = 'G06T')\n  AND p.publication_number IN (SELECT publication_number FROM patent_cpc WHERE subclass = 'G06N')",
    sentence: "Counts rows from patents, where assignee contains 'nvidia' (any case) and the year of grant_date is 2023 and publication_number is among the values that [lists publication_number from patent_cpc, where subclass is 'G06T'] and publication_number is among the values that [lists publication_number from patent_cpc, where subclass is 'G06N'].",
  },
  {
    from: "patents dev-040",
    dialect: "duckdb",
    sql: "SELECT year(grant_date) AS grant_year,\n       round(100.0 * count(*) FILTER (WHERE kind = 'B2') / count(*), 1) AS pct_b2\nFROM patents\nWHERE assignee ILIKE '%nvidia%' AND year(grant_date) BETWEEN 2000 AND 2009\nGROUP BY grant_year\nORDER BY grant_year",
    sentence: "Shows 100.0 * the number of rows for which kind is 'B2' / the number of rows, rounded to 1 decimal per grant_year (the year of grant_date), over rows from patents, where assignee contains 'nvidia' (any case) and the year of grant_date is between 2000 and 2009; sorted by grant_year.",
  },
  {
    from: "spider dev_gold line 1",
    dialect: "duckdb",
    sql: "SELECT count(*) FROM singer",
    sentence: "Counts rows from singer.",
  },
  {
    from: "spider dev_gold line 3",
    dialect: "duckdb",
    sql: "SELECT name ,  country ,  age FROM singer ORDER BY age DESC",
    sentence: "Lists name, country and age from singer; sorted by age (highest first).",
  },
  {
    from: "spider dev_gold line 5",
    dialect: "duckdb",
    sql: "SELECT avg(age) ,  min(age) ,  max(age) FROM singer WHERE country  =  'France'",
    sentence: "Finds the average of age, the smallest age and the largest age over rows from singer, where country is 'France'.",
  },
  {
    from: "spider dev_gold line 7",
    dialect: "duckdb",
    sql: "SELECT song_name ,  song_release_year FROM singer ORDER BY age LIMIT 1",
    sentence: "Lists song_name and song_release_year from singer; sorted by age, keeping the first row.",
  },
  {
    from: "spider dev_gold line 11",
    dialect: "duckdb",
    sql: "SELECT country ,  count(*) FROM singer GROUP BY country",
    sentence: "Counts rows per country from singer.",
  },
  {
    from: "spider dev_gold line 21",
    dialect: "duckdb",
    sql: "SELECT count(*) FROM concert WHERE YEAR  =  2014 OR YEAR  =  2015",
    sentence: "Counts rows from concert, where (year is 2014 or year is 2015).",
  },
  {
    from: "spider dev_gold line 34",
    dialect: "duckdb",
    sql: "SELECT T2.concert_name ,  T2.theme ,  count(*) FROM singer_in_concert AS T1 JOIN concert AS T2 ON T1.concert_id  =  T2.concert_id GROUP BY T2.concert_id",
    sentence: "Shows concert_name, theme and the number of rows per concert.concert_id, over rows from singer_in_concert joined with concert on the same concert_id.",
  },
  {
    from: "spider dev_gold line 41",
    dialect: "duckdb",
    sql: "SELECT name ,  country FROM singer WHERE song_name LIKE '%Hey%'",
    sentence: "Lists name and country from singer, where song_name contains 'Hey'.",
  },
  {
    from: "spider dev_gold line 57",
    dialect: "duckdb",
    sql: "SELECT count(DISTINCT pettype) FROM pets",
    sentence: "Counts distinct pettype from pets.",
  },
  {
    from: "spider dev_gold line 61",
    dialect: "duckdb",
    sql: "SELECT T1.Fname FROM student AS T1 JOIN has_pet AS T2 ON T1.stuid  =  T2.stuid JOIN pets AS T3 ON T3.petid  =  T2.petid WHERE T3.pettype  =  'cat' INTERSECT SELECT T1.Fname FROM student AS T1 JOIN has_pet AS T2 ON T1.stuid  =  T2.stuid JOIN pets AS T3 ON T3.petid  =  T2.petid WHERE T3.pettype  =  'dog'",
    sentence: "Keeps the rows that both parts return: (1) lists fname from student joined with has_pet on the same stuid joined with pets on the same petid, where pettype is 'cat'; (2) lists fname from student joined with has_pet on the same stuid joined with pets on the same petid, where pettype is 'dog'.",
  },
  {
    from: "spider dev_gold line 91",
    dialect: "duckdb",
    sql: "SELECT T1.ContId ,  T1.Continent ,  count(*) FROM CONTINENTS AS T1 JOIN COUNTRIES AS T2 ON T1.ContId  =  T2.Continent GROUP BY T1.ContId;",
    sentence: "Shows continents.continent and the number of rows per contid, over rows from continents joined with countries (continents.contid matches countries.continent).",
  },
  {
    from: "spider dev_gold line 101",
    dialect: "duckdb",
    sql: "SELECT DISTINCT T1.Maker FROM CAR_MAKERS AS T1 JOIN MODEL_LIST AS T2 ON T1.Id  =  T2.Maker JOIN CAR_NAMES AS T3 ON T2.model  =  T3.model JOIN CARS_DATA AS T4 ON T3.MakeId  =  T4.id WHERE T4.year  =  '1970';",
    sentence: "Lists each different car_makers.maker from car_makers joined with model_list (car_makers.id matches model_list.maker) joined with car_names on the same model joined with cars_data (car_names.makeid matches cars_data.id), where year is '1970'.",
  },
  {
    from: "spider dev_gold line 151",
    dialect: "duckdb",
    sql: "SELECT T1.FullName ,  T1.Id FROM CAR_MAKERS AS T1 JOIN MODEL_LIST AS T2 ON T1.Id  =  T2.Maker GROUP BY T1.Id HAVING count(*)  >  3;",
    sentence: "Shows fullname per id, over rows from car_makers joined with model_list (car_makers.id matches model_list.maker), keeping only groups where the number of rows is greater than 3.",
  },
  {
    from: "spider dev_gold line 181",
    dialect: "spark",
    sql: "SELECT Country FROM AIRLINES WHERE Airline  =  \"JetBlue Airways\"",
    sentence: "Lists country from airlines, where airline is 'JetBlue Airways'.",
  },
  {
    from: "spider dev_gold line 231",
    dialect: "duckdb",
    sql: "SELECT T1.Airline FROM AIRLINES AS T1 JOIN FLIGHTS AS T2 ON T1.uid  =  T2.Airline GROUP BY T1.Airline ORDER BY count(*) DESC LIMIT 1",
    sentence: "Lists each different airlines.airline from airlines joined with flights (airlines.uid matches flights.airline); sorted by the number of rows (highest first), keeping the first row.",
  },
  {
    from: "spider dev_gold line 421",
    dialect: "duckdb",
    sql: "SELECT t2.visitor_id ,  t1.name ,  t1.Level_of_membership FROM visitor AS t1 JOIN visit AS t2 ON t1.id  =  t2.visitor_id GROUP BY t2.visitor_id ORDER BY sum(t2.Total_spent) DESC LIMIT 1",
    sentence: "Shows name and level_of_membership per visitor_id, over rows from visitor joined with visit (visitor.id matches visit.visitor_id); sorted by the total of total_spent (highest first), keeping the first row.",
  },
  {
    from: "spider dev_gold line 461",
    dialect: "duckdb",
    sql: "SELECT T1.country_code ,  T1.first_name FROM players AS T1 JOIN rankings AS T2 ON T1.player_id  =  T2.player_id ORDER BY T2.tours DESC LIMIT 1",
    sentence: "Lists country_code and first_name from players joined with rankings on the same player_id; sorted by tours (highest first), keeping the first row.",
  },
  {
    from: "spider dev_gold line 541",
    dialect: "duckdb",
    sql: "SELECT T1.degree_program_id ,  T1.degree_summary_name FROM Degree_Programs AS T1 JOIN Student_Enrolment AS T2 ON T1.degree_program_id  =  T2.degree_program_id GROUP BY T1.degree_program_id ORDER BY count(*) DESC LIMIT 1",
    sentence: "Shows degree_summary_name per degree_programs.degree_program_id, over rows from degree_programs joined with student_enrolment on the same degree_program_id; sorted by the number of rows (highest first), keeping the first row.",
  },
  {
    from: "spider dev_gold line 781",
    dialect: "spark",
    sql: "SELECT DISTINCT CountryCode FROM countrylanguage WHERE LANGUAGE != \"English\"",
    sentence: "Lists each different countrycode from countrylanguage, where language is not 'English'.",
  },
  {
    from: "spider dev_gold line 861",
    dialect: "duckdb",
    sql: "SELECT Year_of_Founded FROM orchestra AS T1 JOIN performance AS T2 ON T1.Orchestra_ID  =  T2.Orchestra_ID GROUP BY T2.Orchestra_ID HAVING COUNT(*)  >  1",
    sentence: "Shows year_of_founded per performance.orchestra_id, over rows from orchestra joined with performance on the same orchestra_id, keeping only groups where the number of rows is greater than 1.",
  },
  {
    from: "spider dev_gold line 901",
    dialect: "duckdb",
    sql: "SELECT T2.name FROM Friend AS T1 JOIN Highschooler AS T2 ON T1.student_id  =  T2.id INTERSECT SELECT T2.name FROM Likes AS T1 JOIN Highschooler AS T2 ON T1.liked_id  =  T2.id",
    sentence: "Keeps the rows that both parts return: (1) lists name from friend joined with highschooler (friend.student_id matches highschooler.id); (2) lists name from likes joined with highschooler (likes.liked_id matches highschooler.id).",
  },
  {
    from: "spider dev_gold line 981",
    dialect: "duckdb",
    sql: "SELECT count(*) FROM Owners WHERE owner_id NOT IN ( SELECT owner_id FROM Dogs )",
    sentence: "Counts rows from owners, where owner_id is not among the values that [lists owner_id from dogs].",
  },
  {
    from: "spider dev_gold line 1021",
    dialect: "duckdb",
    sql: "SELECT DISTINCT T1.Name FROM singer AS T1 JOIN song AS T2 ON T1.Singer_ID  =  T2.Singer_ID WHERE T2.Sales  >  300000",
    sentence: "Lists each different name from singer joined with song on the same singer_id, where sales is greater than 300000.",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT name, rank() OVER (PARTITION BY country ORDER BY age DESC) AS r FROM singer",
    sentence: "Lists name and the rank by age (highest first) within each country from singer.",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "WITH big AS (SELECT assignee FROM patents WHERE num_claims > 20) SELECT count(*) FROM big",
    sentence: "First defines big as: lists assignee from patents, where num_claims is greater than 20; then counts rows from big.",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT name FROM singer UNION ALL SELECT name FROM teacher ORDER BY name LIMIT 5",
    sentence: "Combines, keeping duplicates, the rows of 2 parts: (1) lists name from singer; (2) lists name from teacher; sorted by name, keeping the first 5 rows.",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT p.title, c.cpc FROM patents p LEFT JOIN patent_cpc c ON c.publication_number = p.publication_number",
    sentence: "Lists title and cpc from patents joined with patent_cpc on the same publication_number, keeping rows of patents without a match.",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT avg(n) FROM (SELECT assignee, count(*) AS n FROM patents GROUP BY assignee) AS t",
    sentence: "Finds the average of n over rows from the result of [counts rows per assignee from patents].",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT name FROM singer EXCEPT SELECT name FROM singer WHERE age > 40",
    sentence: "Keeps the rows of part (1) that part (2) does not return: (1) lists name from singer; (2) lists name from singer, where age is greater than 40.",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT * FROM patents WHERE kind IN ('B1', 'B2') LIMIT 5 OFFSET 10",
    sentence: "Lists every column from patents, where kind is one of 'B1' or 'B2'; keeping 5 rows after skipping the first 10, in no set order.",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT title FROM patents WHERE title NOT ILIKE 'method%'",
    sentence: "Lists title from patents, where title does not start with 'method' (any case).",
  },
  {
    from: "shape",
    dialect: "duckdb",
    sql: "SELECT * EXCLUDE (abstract) FROM patents",
    sentence: "(This query is not described: the explainer reads single SELECT queries in the forms it knows.)",
  },
  {
    from: "spider dev_gold line 927",
    dialect: "duckdb",
    sql: "SELECT first_name FROM Professionals UNION SELECT first_name FROM Owners EXCEPT SELECT name FROM Dogs",
    sentence: "Takes the rows of part (1), adds those of part (2) without duplicates, then removes those part (3) returns: (1) lists first_name from professionals; (2) lists first_name from owners; (3) lists name from dogs.",
  },
  {
    from: "shape: INTERSECT binds tighter than UNION, so a mix is not read left to right",
    dialect: "duckdb",
    sql: "SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v",
    sentence: "(this part is not described): (1) lists a from t; (2) lists a from u; (3) lists a from v.",
  },
  {
    from: "patents dev-011",
    dialect: "duckdb",
    sql: "SELECT publication_number, title, publication_date FROM patents WHERE assignee ILIKE '%microsoft%' AND grant_date IS NULL AND year(publication_date) = 2016 ORDER BY publication_date DESC, publication_number",
    sentence: "Lists publication_number, title and publication_date from patents, where assignee contains 'microsoft' (any case) and grant_date is empty and the year of publication_date is 2016; sorted by publication_date (latest first), then by publication_number.",
  },
];

describe("explainSql", () => {
  it("covers at least 40 queries of different shapes", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of CASES) {
    it(`${c.from}: ${c.sql.replace(/\s+/g, " ").slice(0, 70)}`, async () => {
      const explanation = await explainSql(c.sql, c.dialect);
      expect(explanation.sentence).toBe(c.sentence);
      // Incomplete exactly when the sentence admits a part it does not describe.
      expect(explanation.complete).toBe(!c.sentence.includes("not described"));
    });
  }

  it("marks a CASE it cannot describe instead of guessing", async () => {
    const explanation = await explainSql("SELECT CASE WHEN num_claims > 20 THEN 'long' ELSE 'short' END AS size FROM patents", "duckdb");
    expect(explanation.sentence).toBe(`Lists ${NOT_DESCRIBED} from patents.`);
    expect(explanation.complete).toBe(false);
  });

  it("says a statement that is not one SELECT is not described", async () => {
    for (const sql of ["DELETE FROM patents", "SELECT 1; SELECT 2"]) {
      const explanation = await explainSql(sql, "duckdb");
      expect(explanation.complete).toBe(false);
      expect(explanation.sentence).toMatch(/^\(This query is not described/);
    }
  });

  it("reads the paper's Intel question as the student would check it", async () => {
    const sql = "SELECT cpc, COUNT(*) AS count FROM patents p JOIN patent_cpc c ON c.publication_number = p.publication_number WHERE assignee ILIKE '%intel%' AND grant_date >= DATE '2010-01-01' GROUP BY cpc ORDER BY count DESC, cpc LIMIT 10";
    expect((await explainSql(sql, "duckdb")).sentence).toBe(
      "Counts rows per cpc from patents joined with patent_cpc on the same publication_number, where assignee contains 'intel' (any case) and grant_date is on or after 2010-01-01; sorted by the number of rows (highest first), then by cpc, keeping the first 10 rows.",
    );
  });
});
