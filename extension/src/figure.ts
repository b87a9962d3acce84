/** Plotly figure JSON from the kernel, checked without a DOM so it is unit-tested. */

import { isObject } from "./json.js";

/** Checks the chart JSON; returns the reason when it is not something Plotly can draw. */
export function readFigure(value: unknown): { data: object[]; layout: Record<string, unknown> } | string {
  if (!isObject(value)) return "the chart is not a JSON object";
  const { data, layout } = value;
  if (!Array.isArray(data) || !data.every(isObject)) return "the chart's `data` is not a list of traces";
  if (layout !== undefined && !isObject(layout)) return "the chart's `layout` is not an object";
  return { data, layout: { ...(layout ?? {}) } };
}
