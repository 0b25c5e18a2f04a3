/** The help screen's lines, read from the keymap table, and how many fit under its title. */
import { helpSections } from "./keymap.ts";

export interface HelpLine {
  kind: "title" | "key" | "blank";
  label: string;
  description: string;
}

export function helpLines(): HelpLine[] {
  const lines: HelpLine[] = [];
  for (const s of helpSections()) {
    if (lines.length > 0) lines.push({ kind: "blank", label: "", description: "" });
    lines.push({ kind: "title", label: s.title, description: "" });
    for (const r of s.rows) lines.push({ kind: "key", label: r.label, description: r.description });
  }
  return lines;
}

/** Lines of keys that fit under the help title. */
export function helpBodyLines(height: number): number {
  return Math.max(1, height - 1);
}
