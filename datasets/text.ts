/** Trims a source value; empty becomes null (sources write a missing value as an empty field). */
export function clean(value: string): string | null {
  const s = value.trim();
  return s === "" ? null : s;
}
