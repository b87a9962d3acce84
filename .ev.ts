import fs from "node:fs";
import { createChecker } from "./checks/index.js";
import { evaluateSqli, readLabelledCsv } from "./checks/evaluate.js";
const data = readLabelledCsv(fs.readFileSync("../shared/data/sqli/kaggle-train.csv", "utf8"));
const r = await evaluateSqli(createChecker(), data, "duckdb");
const { falsePositives, falseNegatives, ...rest } = r;
console.log(JSON.stringify(rest));
fs.writeFileSync("/tmp/fp.txt", falsePositives.map((x) => JSON.stringify(x.query)).join("\n"));
fs.writeFileSync("/tmp/fn.txt", falseNegatives.map((x) => JSON.stringify(x.query)).join("\n"));
