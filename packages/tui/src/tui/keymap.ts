/**
 * The TUI's keys, read from the one table (keymap-table.ts): input handling
 * (`resolveKey`), the footer hints (`footerHints`, `footerText`) and the
 * help screen (`helpSections`).
 */
import type { Key } from "ink";
import {
  KEYMAP,
  type Binding,
  type Command,
  type KeyContext,
  type KeySpec,
} from "./keymap-table.ts";

export * from "./keymap-table.ts";

function matches(spec: KeySpec, input: string, key: Partial<Key>): boolean {
  if ((spec.ctrl ?? false) !== (key.ctrl ?? false)) return false;
  if (spec.key !== undefined) {
    if (!key[spec.key]) return false;
    // Shift-Tab is its own binding; plain Tab must not match it and vice versa.
    if (spec.key === "tab" && (spec.shift ?? false) !== (key.shift ?? false)) return false;
    return spec.input === undefined || spec.input === input;
  }
  if (spec.input === undefined) return false;
  // Arrow keys etc. arrive with input "" so a plain character never matches them.
  if (key.escape || key.return || key.tab) return false;
  return input === spec.input;
}

/** The command bound to a key press in a context, if any. */
export function resolveKey(
  context: KeyContext,
  input: string,
  key: Partial<Key>,
): Command | undefined {
  for (const b of KEYMAP) {
    if (!b.contexts.includes(context)) continue;
    if (b.keys.some((k) => matches(k, input, key))) return b.command;
  }
  return undefined;
}

export interface Hint {
  label: string;
  hint: string;
  pinned: boolean;
  priority: number;
}

/** Footer hints for a context, in table order. */
export function footerHints(context: KeyContext): Hint[] {
  const out: Hint[] = [];
  for (const b of KEYMAP) {
    if (b.hint !== undefined && b.contexts.includes(context)) {
      out.push({
        label: b.hintLabel ?? b.label,
        hint: b.hint,
        pinned: b.pinned ?? false,
        priority: b.priority ?? 5,
      });
    }
  }
  return out;
}

const SEP = "  ";

/**
 * The footer line: the pinned hints (help, quit) at the end, and before them
 * as many others as fit in `width` columns, the most important first, shown
 * in table order.
 */
export function footerText(context: KeyContext, width: number): string {
  const hints = footerHints(context);
  const text = (h: Hint) => `${h.label} ${h.hint}`;
  const pinned = hints.filter((h) => h.pinned);
  let used = pinned.reduce((n, h) => n + text(h).length + SEP.length, 0) - SEP.length;
  const chosen = new Set<Hint>();
  const byPriority = hints.filter((h) => !h.pinned).sort((a, b) => a.priority - b.priority);
  for (const h of byPriority) {
    const w = text(h).length + SEP.length;
    if (used + w > width) continue;
    chosen.add(h);
    used += w;
  }
  const line = [...hints.filter((h) => chosen.has(h)), ...pinned].map(text).join(SEP);
  return line.length <= width ? line : line.slice(0, Math.max(0, width));
}

export interface HelpSection {
  title: string;
  rows: { label: string; description: string }[];
}

const SECTION_TITLES: Record<KeyContext, string> = {
  list: "Lists",
  filter: "Filter line",
  form: "Invite and setup forms",
  dialog: "Confirm dialog",
  switcher: "Organization switcher",
  help: "Help screen",
  message: "Start-up messages",
};

/** Every binding, grouped by the context it first appears in. */
export function helpSections(): HelpSection[] {
  const order: KeyContext[] = ["list", "filter", "form", "dialog", "switcher", "help", "message"];
  const seen = new Set<Binding>();
  const sections: HelpSection[] = [];
  for (const ctx of order) {
    const rows: HelpSection["rows"] = [];
    for (const b of KEYMAP) {
      if (seen.has(b) || !b.contexts.includes(ctx)) continue;
      if (b.command === "forceQuit") continue;
      seen.add(b);
      rows.push({ label: b.label, description: b.description });
    }
    if (rows.length > 0) sections.push({ title: SECTION_TITLES[ctx], rows });
  }
  const rest = KEYMAP.filter((b) => !seen.has(b));
  sections.push({
    title: "Anywhere",
    rows: rest.map((b) => ({ label: b.label, description: b.description })),
  });
  return sections;
}
