/** One row of SPEC §8 as measured, and the table `pnpm bench` prints. */
import { fmt } from "./stats.ts";

export type Budget =
  /** Roster / baseline must be at least `value` (throughput). */
  | { kind: "min-ratio"; value: number }
  /** Roster / baseline must be at most `value` (time). */
  | { kind: "max-ratio"; value: number }
  /** Roster − baseline must be at most `value` (memory, MB). */
  | { kind: "max-extra"; value: number; unit: string }
  /** Measured for the record; SPEC §8 sets no budget. */
  | { kind: "none" };

export interface Result {
  row: string;
  /** Roster's figure, formatted (e.g. "345 req/s"). */
  roster: string;
  baseline: string;
  /** The figures the budget compares: Roster's and the baseline's. */
  value: number;
  base: number;
  budget: Budget;
  /** A second comparison, printed beside the budget's ratio (which it does not change). */
  aside?: string;
  /** Runs, p99s, caveats: printed under the table. */
  notes?: string[];
}

export function verdict(r: Result): { compared: string; ok: boolean | undefined } {
  const b = r.budget;
  if (!Number.isFinite(r.value) || !Number.isFinite(r.base))
    return { compared: "—", ok: undefined };
  if (b.kind === "max-extra") {
    const extra = r.value - r.base;
    return { compared: `${extra >= 0 ? "+" : ""}${fmt(extra)} ${b.unit}`, ok: extra <= b.value };
  }
  const ratio = r.value / r.base;
  const compared = `${fmt(ratio)}×`;
  if (b.kind === "min-ratio") return { compared, ok: ratio >= b.value };
  if (b.kind === "max-ratio") return { compared, ok: ratio <= b.value };
  return { compared, ok: undefined };
}

export function budgetText(b: Budget): string {
  switch (b.kind) {
    case "min-ratio":
      return `≥ ${b.value}×`;
    case "max-ratio":
      return `≤ ${b.value}×`;
    case "max-extra":
      return `≤ +${b.value} ${b.unit}`;
    case "none":
      return "(none)";
  }
}

/** The markdown table, then each row's notes. */
export function renderTable(results: readonly Result[]): string {
  const lines = [
    "| row | Roster | baseline, same run | Roster vs baseline | budget | met |",
    "|---|---:|---:|---:|---:|:---:|",
  ];
  for (const r of results) {
    const v = verdict(r);
    const met = v.ok === undefined ? "" : v.ok ? "yes" : "**no**";
    lines.push(
      `| ${r.row} | ${r.roster} | ${r.baseline} | ${v.compared}${r.aside ? ` (${r.aside})` : ""} | ${budgetText(r.budget)} | ${met} |`,
    );
  }
  const notes = results.filter((r) => r.notes?.length);
  if (notes.length) lines.push("");
  for (const r of notes) {
    lines.push(`- ${r.row}:`);
    for (const n of r.notes!) lines.push(`  - ${n}`);
  }
  return lines.join("\n");
}
