/**
 * The security policy's vocabulary: which statement kinds, tables and functions are refused, and why.
 * Data, not logic, so that a reviewer can read the policy in one place.
 */
import type { StatementKind } from "./tree.js";

/** Rule ids and the threat (docs/security.md) each defends against. */
export const RULES = {
  multipleStatements: "security.multiple-statements", // T1
  write: "security.write", // T1
  ddl: "security.ddl", // T1
  fileAccess: "security.file-access", // T2
  network: "security.network", // T3
  extension: "security.extension", // T3
  config: "security.config", // T4
  secrets: "security.secrets", // T5
  serverInfo: "security.server-info", // T5, T7
  codeExecution: "security.code-execution", // T6
  dynamicSql: "security.dynamic-sql", // T7
  systemCatalog: "security.system-catalog", // T7
  tableNotAllowed: "security.table-not-allowed", // T7
  notReadOnly: "security.not-read-only", // T1
  recursiveCte: "security.recursive-cte", // T8
  generator: "security.generator", // T8
  unbounded: "security.unbounded", // T8: sleep_ms, repeat, list_resize and other work without a bound
  controlCharacter: "security.control-character", // T11: NUL and control characters hide text from readers
  parseLimit: "security.parse-limit", // T8: text too long or too deep to parse within a bound
  cartesian: "plan.cartesian", // T8
  rowCap: "plan.row-cap", // T8
  uninspectable: "security.uninspectable", // T11
  // Attack shapes (category "injection"): T11
  injection: "injection.fragment",
  tautology: "injection.tautology",
  commentTruncation: "injection.comment-truncation",
  unionProbe: "injection.union-probe",
  timeProbe: "injection.time-probe",
  errorProbe: "injection.error-probe",
  quoteImbalance: "injection.quote-imbalance",
  encoded: "injection.encoded",
  stackedWrite: "injection.stacked-write",
  catalogProbe: "injection.catalog-probe",
  privilege: "injection.privilege",
  parse: "syntax.parse",
  empty: "syntax.empty",
  unknownTable: "catalog.unknown-table",
  unknownColumn: "catalog.unknown-column",
  quotedIdentifier: "catalog.quoted-identifier",
  literalSignal: "signal.literal",
} as const;

export type RuleId = (typeof RULES)[keyof typeof RULES];

/** The verdict category a blocking rule puts a query in: attack shapes, the read-only policy, or syntax. */
export function categoryOf(rule: string): "injection" | "policy" | "syntax" {
  if (rule.startsWith("injection.")) return "injection";
  if (rule.startsWith("security.") || rule.startsWith("plan.")) return "policy";
  return "syntax";
}

/** The rule that refuses a statement of each kind (everything but SELECT). */
export const STATEMENT_RULES: Readonly<Record<Exclude<StatementKind, "select">, RuleId>> = {
  insert: RULES.write,
  update: RULES.write,
  delete: RULES.write,
  merge: RULES.write,
  truncate: RULES.write,
  create: RULES.ddl,
  drop: RULES.ddl,
  alter: RULES.ddl,
  copy: RULES.fileAccess,
  export: RULES.fileAccess,
  import: RULES.fileAccess,
  attach: RULES.extension,
  detach: RULES.extension,
  install: RULES.extension,
  load: RULES.extension,
  set: RULES.config,
  reset: RULES.config,
  pragma: RULES.config,
  call: RULES.config,
  use: RULES.config,
  grant: RULES.config,
  transaction: RULES.notReadOnly,
  show: RULES.notReadOnly,
  describe: RULES.notReadOnly,
  explain: RULES.notReadOnly,
  other: RULES.notReadOnly,
};

/**
 * Leading keywords of statements, for text no parser accepts: the keyword scan names what the
 * statement would have done (fail closed, with the precise rule).
 */
export const LEADING_KEYWORDS: Readonly<Record<string, StatementKind>> = {
  select: "select",
  with: "select",
  from: "select",
  values: "select",
  table: "select",
  pivot: "select",
  unpivot: "select",
  insert: "insert",
  upsert: "insert",
  replace: "insert",
  update: "update",
  delete: "delete",
  merge: "merge",
  truncate: "truncate",
  create: "create",
  drop: "drop",
  alter: "alter",
  rename: "alter",
  comment: "alter",
  vacuum: "other",
  analyze: "other",
  checkpoint: "other",
  copy: "copy",
  export: "export",
  import: "import",
  attach: "attach",
  detach: "detach",
  install: "install",
  force: "install",
  load: "load",
  set: "set",
  reset: "reset",
  pragma: "pragma",
  call: "call",
  exec: "call",
  execute: "call",
  prepare: "other",
  deallocate: "other",
  use: "use",
  show: "show",
  describe: "describe",
  desc: "describe",
  summarize: "describe",
  explain: "explain",
  grant: "grant",
  revoke: "grant",
  begin: "transaction",
  commit: "transaction",
  rollback: "transaction",
  abort: "transaction",
  start: "transaction",
  add: "load", // Spark ADD JAR/FILE/ARCHIVE
  refresh: "other",
  cache: "other",
  uncache: "other",
  msck: "other",
  shutdown: "other",
  declare: "set",
  kill: "other",
};

/** Functions that read files or URLs (DuckDB, Spark, and what other engines call them). */
const FILE_FUNCTIONS = [
  "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json", "read_json_auto", "read_json_objects",
  "read_json_objects_auto", "read_ndjson", "read_ndjson_auto", "read_ndjson_objects", "read_text", "read_blob",
  "glob", "sniff_csv", "parquet_metadata", "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata",
  "parquet_bloom_probe", "read_xlsx", "st_read", "st_read_meta", "sqlite_scan", "sqlite_attach", "postgres_scan",
  "postgres_attach", "mysql_scan", "delta_scan", "iceberg_scan", "iceberg_metadata", "iceberg_snapshots",
  "read_csv_auto", "csv_scan", "json_scan", "load_file", "pg_read_file", "pg_read_binary_file", "pg_ls_dir",
  "pg_stat_file", "lo_import", "lo_export", "input_file_name", "readfile", "writefile",
];
const NETWORK_FUNCTIONS = ["http_get", "http_post", "http_head", "dblink", "dblink_exec", "openrowset", "opendatasource", "openquery"];
const SECRET_FUNCTIONS = [
  "getenv", "current_setting", "duckdb_secrets", "which_secret", "duckdb_settings", "set_config", "pg_settings",
  "env", "secret", "get_secret",
];
const SERVER_INFO_FUNCTIONS = [
  "version", "user", "current_user", "session_user", "system_user", "database", "current_database", "current_schema",
  "current_schemas", "current_role", "connection_id", "last_insert_id", "pg_backend_pid", "inet_server_addr",
  "inet_server_port", "inet_client_addr", "pg_postmaster_start_time", "host_name", "db_name", "suser_sname",
  "platform", "pragma_version", "pragma_platform", "pragma_user_agent",
];
const CODE_FUNCTIONS = [
  "reflect", "java_method", "xp_cmdshell", "sys_exec", "sys_eval", "load_extension", "shell", "system", "exec",
  "eval", "lo_from_bytea",
];
const DYNAMIC_SQL_FUNCTIONS = ["query", "query_table", "json_execute_serialized_sql", "json_deserialize_sql", "sql_auto_complete"];
const TIME_FUNCTIONS = ["sleep", "sleep_ms", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "benchmark", "randomblob", "waitfor"];
const GENERATOR_FUNCTIONS = ["range", "generate_series", "sequence", "repeat_row"];
const CONFIG_FUNCTIONS = ["set_config", "pragma"];

const byName = (names: readonly string[], rule: RuleId): Array<[string, RuleId]> => names.map((n) => [n, rule]);

/** Refused functions by lower-case name. Order matters only for duplicates: the first wins. */
export const DENIED_FUNCTIONS: ReadonlyMap<string, RuleId> = new Map<string, RuleId>([
  ...byName(SECRET_FUNCTIONS, RULES.secrets),
  ...byName(FILE_FUNCTIONS, RULES.fileAccess),
  ...byName(NETWORK_FUNCTIONS, RULES.network),
  ...byName(SERVER_INFO_FUNCTIONS, RULES.serverInfo),
  ...byName(CODE_FUNCTIONS, RULES.codeExecution),
  ...byName(DYNAMIC_SQL_FUNCTIONS, RULES.dynamicSql),
  ...byName(TIME_FUNCTIONS, RULES.timeProbe),
  ...byName(CONFIG_FUNCTIONS, RULES.config),
]);

/** A cartesian product is allowed only when the catalog's row counts show at most this many rows. */
export const CARTESIAN_ROW_LIMIT = 10_000_000;

/** Generators are allowed only with a literal size up to this many rows. */
export const GENERATOR_ROW_LIMIT = 1_000_000;
export const GENERATORS: ReadonlySet<string> = new Set(GENERATOR_FUNCTIONS);

/** Functions whose cost grows with a size argument (its 0-based position): allowed with a literal size up to SIZE_LIMIT. */
export const SIZED_FUNCTIONS: ReadonlyMap<string, number> = new Map([
  ["repeat", 1], ["list_resize", 1], ["array_resize", 1], ["lpad", 1], ["rpad", 1], ["bar", 3],
]);
export const SIZE_LIMIT = 1_000_000;

/**
 * Schema and catalog names under which engines keep their built-in functions (DuckDB `main`, `system`,
 * `pg_catalog`, `memory`, `temp`; Spark `builtin`, `spark_catalog`, `default`): a call qualified only by these
 * is the built-in itself.
 */
export const ENGINE_SCHEMAS: ReadonlySet<string> = new Set(["main", "system", "pg_catalog", "memory", "temp", "builtin", "spark_catalog", "default", "session"]);

/** Function-name prefixes that reach system catalogs or engine internals. */
export const DENIED_FUNCTION_PREFIXES: ReadonlyArray<readonly [string, RuleId]> = [
  ["duckdb_", RULES.systemCatalog],
  ["pragma_", RULES.systemCatalog],
  ["pg_", RULES.systemCatalog],
  ["sqlite_", RULES.systemCatalog],
  ["@@", RULES.serverInfo],
  ["@", RULES.serverInfo],
  ["utl_", RULES.network],
  ["dbms_", RULES.codeExecution],
  ["sys.", RULES.systemCatalog],
  ["xp_", RULES.codeExecution],
  ["sp_", RULES.codeExecution],
];

/** Schemas and table-name prefixes of system catalogs (every engine's, since payloads probe them all). */
export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set([
  "information_schema", "pg_catalog", "sys", "mysql", "performance_schema", "system", "temp", "sysibm", "syscat",
  "master", "msdb", "tempdb", "domain", "all_tables", "dba_tables", "sqlite_temp_master",
]);
export const SYSTEM_TABLE_PREFIXES: readonly string[] = [
  "sqlite_", "pg_", "duckdb_", "information_schema", "sysobjects", "syscolumns", "sysusers", "sysdatabases",
  "systables", "all_tab", "all_tables", "all_users", "user_tables", "dba_", "v$", "rdb$", "msysobjects",
];

/** Spark data-source prefixes of `format.\`path\`` file tables. */
export const FILE_TABLE_FORMATS: ReadonlySet<string> = new Set([
  "csv", "parquet", "json", "orc", "text", "avro", "delta", "binaryfile", "jdbc", "hive", "iceberg",
]);
