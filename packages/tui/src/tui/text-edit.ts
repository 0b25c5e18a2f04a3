/** The pure editing of a one-line text field by keys (the field is drawn by components/text-field.tsx). */
import type { Key } from "ink";

export interface Edit {
  value: string;
  cursor: number;
}

/** Apply one key press to the field. Enter, Tab, Esc and arrows up/down belong to the form. */
export function editField(s: Edit, input: string, key: Partial<Key>): Edit {
  if (
    key.return ||
    key.tab ||
    key.escape ||
    key.upArrow ||
    key.downArrow ||
    key.pageUp ||
    key.pageDown
  )
    return s;
  if (key.leftArrow) return { ...s, cursor: Math.max(0, s.cursor - 1) };
  if (key.rightArrow) return { ...s, cursor: Math.min(s.value.length, s.cursor + 1) };
  if (key.home || (key.ctrl && input === "a")) return { ...s, cursor: 0 };
  if (key.end || (key.ctrl && input === "e")) return { ...s, cursor: s.value.length };
  if (key.ctrl && input === "u") return { value: s.value.slice(s.cursor), cursor: 0 };
  if (key.ctrl && input === "w") {
    const before = s.value.slice(0, s.cursor).replace(/\S+\s*$/, "");
    return { value: before + s.value.slice(s.cursor), cursor: before.length };
  }
  if (key.backspace || key.delete) {
    // Terminals send DEL (0x7f) for Backspace; Ink reports it as `delete`.
    if (s.cursor === 0) return s;
    return {
      value: s.value.slice(0, s.cursor - 1) + s.value.slice(s.cursor),
      cursor: s.cursor - 1,
    };
  }
  if (key.ctrl || key.meta || input === "") return s;
  // Printable text (a pasted chunk arrives in one piece); line breaks are not part of a one-line field.
  const text = input.replace(/[\r\n\t]/g, "");
  if (text === "") return s;
  return {
    value: s.value.slice(0, s.cursor) + text + s.value.slice(s.cursor),
    cursor: s.cursor + text.length,
  };
}
