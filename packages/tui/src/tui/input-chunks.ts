/**
 * Ink hands a run of plain characters to input handlers as ONE event: a
 * pasted line, `tmux send-keys "bob@x.com" Enter`, or keys typed while the
 * process was busy all arrive as e.g. "bob@x.com\r". The TUI wants them as
 * the separate key presses they were, so that Enter submits, "jjj" moves
 * three rows and Tab switches fields.
 */
import type { Key } from "ink";

export interface KeyPress {
  input: string;
  key: Key;
}

export function blankKey(): Key {
  return {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
  };
}

function isPlainRun(input: string, key: Key): boolean {
  if (input.length <= 1) return false;
  if (input.includes("\u001b")) return false;
  return !(
    key.upArrow ||
    key.downArrow ||
    key.leftArrow ||
    key.rightArrow ||
    key.pageUp ||
    key.pageDown ||
    key.escape ||
    key.meta ||
    key.ctrl
  );
}

/** One key press per character of a plain run; anything else is returned as it came. */
export function splitChunk(input: string, key: Key): KeyPress[] {
  if (!isPlainRun(input, key)) return [{ input, key }];
  const out: KeyPress[] = [];
  for (const ch of input) {
    const k = blankKey();
    if (ch === "\r" || ch === "\n") {
      k.return = true;
      out.push({ input: "", key: k });
    } else if (ch === "\t") {
      k.tab = true;
      out.push({ input: "", key: k });
    } else if (ch === "\u007f" || ch === "\b") {
      k.backspace = true;
      out.push({ input: "", key: k });
    } else if (ch.charCodeAt(0) < 0x20) {
      // Ctrl-<letter>
      k.ctrl = true;
      out.push({ input: String.fromCharCode(ch.charCodeAt(0) + 0x60), key: k });
    } else {
      if (/[A-Z]/.test(ch)) k.shift = true;
      out.push({ input: ch, key: k });
    }
  }
  return out;
}
