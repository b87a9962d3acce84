/** A plain JSON object (not null, not a list): what kernel output and notebook metadata must be checked as. */
export function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
