import { main } from "./cli/main.js";
process.exitCode = await main(["eval", "sqli", "--file", "../shared/data/sqli/kaggle-train.csv"], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
