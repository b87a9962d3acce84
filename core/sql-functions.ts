/**
 * Aggregate functions of the engines' SQL (DuckDB's and Spark's common ones, with their aliases): a query that
 * calls one without GROUP BY returns one row, and in a grouped query an item that calls one is a measure, not a
 * group. The one list the checker and the answer shaping read.
 */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
  "count", "count_star", "count_if", "sum", "avg", "mean", "min", "max", "any_value", "first", "last", "arbitrary",
  "string_agg", "group_concat", "listagg", "list", "array_agg", "collect_list", "collect_set", "median", "mode",
  "quantile", "quantile_cont", "quantile_disc", "percentile_cont", "percentile_disc", "approx_count_distinct",
  "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "bool_and", "bool_or", "every",
  "bit_and", "bit_or", "product", "arg_max", "arg_min", "max_by", "min_by", "corr", "covar_pop", "covar_samp",
]);
