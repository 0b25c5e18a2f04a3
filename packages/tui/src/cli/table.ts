/**
 * Aligned plain-text tables, as `influx org members list` or `gh` print them:
 * a header row, then one row per item, columns padded with two spaces.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - width(c))))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map((r) => line(headers.map((_, i) => clean(r[i] ?? ""))))]
    .map((l) => `${l}\n`)
    .join("");
}

/** Display width in terminal cells (code points; control characters are removed by clean()). */
function width(s: string): number {
  return [...clean(s)].length;
}

/** A cell never breaks the table: no newlines, tabs or other control characters. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}
