import { createChecker } from "./checks/index.js";
const catalog = { tables: [{ name: "patents", columns: [{ name: "title", type: "VARCHAR", nullable: true }, { name: "id", type: "INT", nullable: true }] }] };
const c = createChecker();
for (const sql of process.argv.slice(2)) console.log(JSON.stringify(await c.check(sql, { dialect: "duckdb", catalog })));
